import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { startFakeGemini } from '../local/fake-gemini/server';
import { CLOSING_LINE, type AgentScript } from '../local/fake-openai/scripts';
import { DEFAULT_CALLEE } from '../local/scenarios';
import type { LocalStack } from '../local/stack';
import { CallerPlayback } from '../media-service/playback/caller-playback';
import { GeminiProviderSession } from '../media-service/providers/gemini';
import type { ProviderEvents } from '../media-service/providers/types';
import { createToolRunner } from '../media-service/tools/runner';
import type { ToolContext, ToolDefinition } from '../media-service/tools/types';
import type { ToolCallRecord } from '../shared/call-record';
import { parseConfig } from '../shared/config';
import { callCompletedEventSchema } from '../shared/events';
import { initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

const PROVIDER = 'gemini';

describe('a Gemini Live call through the embedded stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('greets, takes turns, and ends in one event naming gemini with the transcript and a summary', async () => {
    const callbackId = uniqueId('gemini');
    const res = await initiate(stack, {
      callbackId,
      to: '+15557781001',
      provider: PROVIDER,
      instructions: 'Your name is Ava. You are calling {{name}}.',
      variables: { name: 'Sam' },
    });
    expect(res.status).toBe(200);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));

    expect(detail).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash-native-audio-preview-09-2025', transcriptComplete: true, error: null });
    expect(detail.transcript[0]).toMatchObject({ role: 'assistant', text: 'Hi Sam, this is Ava. Do you have a minute?' });
    expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(DEFAULT_CALLEE.utterances);
    expect(detail.transcript.map((t) => t.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(detail.transcript.at(-1)!.text).toBe(CLOSING_LINE);
    expect(detail.summary).toEqual(expect.stringContaining(DEFAULT_CALLEE.utterances[0]!));

    const heard = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!;
    expect(heard.heard[0]).toBe(detail.transcript[0]!.text);
    expect(heard.protocolErrors).toEqual([]);
    const session = stack.fakes.gemini!.stats.sessions.find((s) => s.instructions === 'Your name is Ava. You are calling Sam.')!;
    expect(session).toMatchObject({
      model: 'models/gemini-2.5-flash-native-audio-preview-09-2025',
      voice: 'Puck',
      inputRates: [8000],
      binaryFrames: true,
      closedBy: 'client',
    });
    expect(session.setup).toMatchObject({ generationConfig: { responseModalities: ['AUDIO'] }, inputAudioTranscription: {}, outputAudioTranscription: {} });
    expect(session.userTranscripts).toEqual(DEFAULT_CALLEE.utterances);
  });

  it('barge-in over a finished response still queued at Twilio: the adapter clears it itself', async () => {
    const BARGE_IN_CALLEE = { utterances: ['Sorry to cut in, who is this?'], bargeIn: true, hangUpAfterAgentTurns: 2, maxCallMs: 60_000 };
    stack.fakes.gemini!.configure({ audioChunkIntervalMs: 2 }); // the whole greeting is generated before it plays
    try {
      stack.twilio!.setBehaviour('+15557781006', { kind: 'answer', callee: BARGE_IN_CALLEE });
      const callbackId = uniqueId('gemini-barge-local');
      const res = await initiate(stack, { callbackId, to: '+15557781006', provider: PROVIDER });
      const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
      const stream = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!;
      expect(stack.fakes.gemini!.stats.sessions.at(-1)!.interruptions).toBe(0);
      expect(stream.clearsReceived).toBe(1);
      expect(stream.heard[0]).toBe('[interrupted]');
      expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(BARGE_IN_CALLEE.utterances);
    } finally {
      stack.fakes.gemini!.configure({ audioChunkIntervalMs: undefined });
    }
  });

  it('a key Gemini refuses: the call ends and the event says which key and what Google answered', async () => {
    const refusedBefore = stack.fakes.gemini!.stats.connectionsRefused;
    stack.fakes.gemini!.configure({ apiKey: 'a-different-key' });
    try {
      const callbackId = uniqueId('gemini-auth');
      await initiate(stack, { callbackId, to: '+15557781005', provider: PROVIDER });
      const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
      expect(detail.error?.code).toBe('model_connect_failed');
      expect(detail.error?.message).toBe('Gemini Live rejected GEMINI_API_KEY (close 1007): API key not valid. Please pass a valid API key.');
      expect(detail.transcriptComplete).toBe(false);
      expect(detail.transcript).toEqual([]);
      expect(stack.fakes.gemini!.stats.connectionsRefused).toBe(refusedBefore + 1);
    } finally {
      stack.fakes.gemini!.configure({ apiKey: stack.config.GEMINI_API_KEY });
    }
  });
});

describe('the Gemini adapter against the fake, without a call around it', () => {
  const log = new Logger({ serviceName: 'gemini-test', logLevel: 'SILENT' });
  const lookupOrder: ToolDefinition = {
    name: 'lookup_order',
    description: 'Looks up an order by its number.',
    parameters: z.object({ orderId: z.string().describe('The order number, e.g. A-17') }),
    execute: async ({ orderId }) => ({ orderId, status: 'shipped' }),
  };
  /** Calls lookup_order, then a tool the call does not offer, then says how that went. */
  const toolScript: AgentScript = {
    next({ trigger, history }) {
      if (trigger === 'greeting') return { call: { name: 'lookup_order', arguments: { orderId: 'A-17' } } };
      const tool = history.findLast((entry) => entry.role === 'tool');
      if (trigger === 'tool_output' && tool?.toolName === 'lookup_order') return { call: { name: 'no_such_tool', arguments: {} } };
      if (trigger === 'tool_output') return { say: 'Sorry, I could not do that.' };
      return { say: 'Anything else?' };
    },
  };

  function openSession(baseUrl: string, apiKey: string, tools: ToolDefinition[], recorded: ToolCallRecord[] = []) {
    const seen = { turns: [] as ProviderEvents['turn'][0][], errors: [] as ProviderEvents['error'][0][], closed: [] as boolean[], media: 0, marks: [] as string[] };
    const playback = new CallerPlayback({
      streamSid: 'MZ-adapter',
      send: (message) => {
        if (message.event === 'media') seen.media += 1;
        if (message.event === 'mark') seen.marks.push(message.mark.name);
      },
    });
    const session = new GeminiProviderSession({
      config: parseConfig({ STAGE: 'local', GEMINI_API_KEY: apiKey, GEMINI_BASE_URL: baseUrl }),
      provider: PROVIDER,
      model: 'gemini-live-2.5-flash-preview',
      voice: 'Kore',
      instructions: 'You check orders.',
      tools: createToolRunner({
        definitions: tools,
        context: { callbackId: 'adapter-test', callSid: undefined, to: '+15550001111', from: '+15550002222' } as Omit<ToolContext, 'signal'>,
        log,
        record: (call) => recorded.push(call),
      }),
      playback,
      log,
    });
    session.on('turn', (turn) => seen.turns.push(turn));
    session.on('error', (error) => seen.errors.push(error));
    session.on('closed', ({ expected }) => seen.closed.push(expected));
    return { session, seen, playback };
  }

  const until = async (condition: () => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('a tool call round trip on the wire: functionDeclarations with JSON Schema, toolResponse {output} and {error}', async () => {
    const fake = await startFakeGemini({ apiKey: 'k', agent: toolScript, binaryFrames: false });
    try {
      const recorded: ToolCallRecord[] = [];
      const { session, seen } = openSession(fake.baseUrl, 'k', [lookupOrder], recorded);
      await session.connect();
      session.requestResponse();
      await until(() => seen.turns.some((turn) => turn.role === 'assistant'));
      const live = fake.stats.sessions[0]!;
      expect(live.toolNames).toEqual(['lookup_order']);
      expect((live.setup!.tools as Array<{ functionDeclarations: unknown[] }>)[0]!.functionDeclarations[0]).toEqual({
        name: 'lookup_order',
        description: 'Looks up an order by its number.',
        parametersJsonSchema: {
          type: 'object',
          properties: { orderId: { type: 'string', description: 'The order number, e.g. A-17' } },
          required: ['orderId'],
          additionalProperties: false,
        },
      });
      expect(live.toolResponses[0]).toMatchObject({ name: 'lookup_order', response: { output: { orderId: 'A-17', status: 'shipped' } } });
      expect(live.toolResponses[0]!.id).toMatch(/^function-call-/);
      expect(live.toolResponses[1]).toMatchObject({ name: 'no_such_tool', response: { error: expect.stringContaining('There is no tool called no_such_tool') } });
      expect(recorded).toMatchObject([{ name: 'lookup_order', result: { orderId: 'A-17', status: 'shipped' } }, { name: 'no_such_tool' }]);
      expect(seen.turns).toEqual([{ role: 'assistant', text: 'Sorry, I could not do that.' }]);
      expect(seen.media).toBeGreaterThan(0);
      expect(seen.marks.length).toBe(seen.media);
      await session.close();
      await until(() => seen.closed.length > 0);
      expect(seen.closed).toEqual([true]);
      expect(seen.errors).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('goAway: the adapter resumes on a new connection with the last handle and the call goes on', async () => {
    const fake = await startFakeGemini({ apiKey: 'k', goAwayAfterMs: 1500, goAwayTimeLeftMs: 800 });
    try {
      const { session, seen } = openSession(fake.baseUrl, 'k', []);
      await session.connect();
      session.requestResponse();
      await until(() => fake.stats.sessions.length === 2 && fake.stats.sessions[1]!.setup !== undefined);
      const [first, second] = fake.stats.sessions;
      expect(second!.resumedFrom).toMatch(/^handle-/);
      await until(() => first!.closedBy !== undefined);
      session.sendText('Can you repeat that?');
      await until(() => seen.turns.length >= 2);
      expect(second!.textInputs).toEqual(['Can you repeat that?']);
      expect(seen.turns.at(-1)).toEqual({ role: 'assistant', text: 'You said "Can you repeat that?". Could you tell me more?' });
      expect(seen.closed).toEqual([]);
      expect(seen.errors).toEqual([]);
      await session.close();
    } finally {
      await fake.close();
    }
  });

  it('connect fails clearly when nothing listens at the base URL', async () => {
    const fake = await startFakeGemini();
    const baseUrl = fake.baseUrl;
    await fake.close();
    const { session } = openSession(baseUrl, 'k', []);
    await expect(session.connect()).rejects.toThrow(/Gemini Live connection failed: connect ECONNREFUSED/);
  });
});

describe('the fake Gemini on the wire', () => {
  const path = '//ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';

  async function open(baseUrl: string, key: string) {
    const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}${path}?key=${key}`);
    const frames: Array<{ binary: boolean; json: unknown }> = [];
    ws.on('message', (data, binary) => frames.push({ binary, json: JSON.parse(String(data)) }));
    const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    await new Promise((resolve) => ws.once('open', resolve));
    return { ws, frames, closed };
  }

  it('answers setup with a binary setupComplete, and closes 1007 on input it does not understand', async () => {
    const fake = await startFakeGemini({ apiKey: 'k' });
    try {
      const { ws, frames, closed } = await open(fake.baseUrl, 'k');
      ws.send(JSON.stringify({ setup: { model: 'models/gemini-live-2.5-flash-preview' } }));
      await vi.waitFor(() => expect(frames).toEqual([{ binary: true, json: { setupComplete: {} } }]), { timeout: 5_000, interval: 10 });
      ws.send(JSON.stringify({ realtimeInput: { audio: { data: 'AAAA', mimeType: 'audio/webm' } } }));
      expect(await closed).toEqual({ code: 1007, reason: 'Unsupported mime type: audio/webm' });
    } finally {
      await fake.close();
    }
  });

  it('refuses input before setup and a setup without the models/ prefix', async () => {
    const fake = await startFakeGemini();
    try {
      const first = await open(fake.baseUrl, 'any');
      first.ws.send(JSON.stringify({ realtimeInput: { text: 'hi' } }));
      expect(await first.closed).toEqual({ code: 1007, reason: 'Request contains an invalid argument.' });
      const second = await open(fake.baseUrl, 'any');
      second.ws.send(JSON.stringify({ setup: { model: 'gemini-live' } }));
      expect((await second.closed).code).toBe(1007);
    } finally {
      await fake.close();
    }
  });
});

