import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeVoiceCode, encodeVoiceCode } from '../local/audio/voice-code';
import type { AgentScript } from '../local/fake-openai/scripts';
import { startFakeNovaSonic, type FakeNovaSonic } from '../local/fake-nova-sonic/server';
import { DEFAULT_CALLEE } from '../local/scenarios';
import type { LocalStack } from '../local/stack';
import { mulawToPcm16, pcm16ToMulaw } from '../media-service/audio/mulaw';
import { CallerPlayback } from '../media-service/playback/caller-playback';
import { GREETING_TRIGGER, NovaSonicProviderSession, type NovaSonicTuning } from '../media-service/providers/nova-sonic';
import { resumableHistory } from '../media-service/providers/nova-sonic-history';
import { MAX_QUEUED_INPUT_EVENTS, NovaSonicStream } from '../media-service/providers/nova-sonic-stream';
import type { ProviderEvents } from '../media-service/providers/types';
import { createToolRunner } from '../media-service/tools/runner';
import type { ToolContext, ToolDefinition } from '../media-service/tools/types';
import type { ToolCallRecord } from '../shared/call-record';
import { parseConfig } from '../shared/config';
import { callCompletedEventSchema } from '../shared/events';
import { getCall, initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

const PROVIDER = 'amazon_nova_sonic';

describe('a Nova Sonic call through the embedded stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('greets first, transcribes both sides, and closes the stream cleanly', async () => {
    const callbackId = uniqueId('nova');
    const res = await initiate(stack, {
      callbackId,
      to: '+15557775001',
      provider: PROVIDER,
      instructions: 'Your name is Ava. You are calling {{name}}.',
      variables: { name: 'Sam' },
    });
    expect(res.status).toBe(200);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));

    expect(detail).toMatchObject({ provider: PROVIDER, model: 'amazon.nova-2-sonic-v1:0', transcriptComplete: true, error: null });
    expect(detail.transcript[0]).toMatchObject({ role: 'assistant', text: 'Hi Sam, this is Ava. Do you have a minute?' });
    expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(DEFAULT_CALLEE.utterances);
    expect(detail.transcript.filter((t) => t.role === 'assistant').length).toBeGreaterThanOrEqual(2);
    expect(detail.summary).toEqual(expect.stringContaining(DEFAULT_CALLEE.utterances[0]!));

    const heard = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!.heard;
    expect(heard[0], 'the callee decoded the agent audio after μ-law').toBe(detail.transcript[0]!.text);

    const stream = stack.fakes.amazon_nova_sonic!.stats.streams.find((s) => s.systemPrompt.includes('calling Sam'))!;
    expect(stream).toMatchObject({ modelId: 'amazon.nova-2-sonic-v1:0', voiceId: 'matthew', inputSampleRate: 8000, outputSampleRate: 8000 });
    expect(stream.toolNames.length, 'the call tools were offered as toolSpecs').toBeGreaterThan(0);
    expect(stream.textInputs[0]).toBe(GREETING_TRIGGER);
    expect(stream.eventOrder.slice(0, 2)).toEqual(['sessionStart', 'promptStart']);
    expect(stream.eventOrder.slice(-3)).toEqual(['contentEnd', 'promptEnd', 'sessionEnd']);
    expect(stream).toMatchObject({ closedBy: 'client', exceptionsSent: [] });
  });

});

describe('a call tool over Nova Sonic', () => {
  const GOODBYE = 'Thanks for your time, Sam. Goodbye!';
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({
      fakes: {
        amazon_nova_sonic: {
          agent: { next: ({ trigger }) => (trigger === 'greeting' ? { say: GOODBYE, end: true, andCall: { name: 'end_call', arguments: { reason: 'test over' } } } : undefined) },
        },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('end_call: Nova says goodbye and uses the tool; Twilio hangs up once the goodbye has played', async () => {
    const to = '+15557775005';
    stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [], stayOnLine: true, maxCallMs: 30_000 } });
    const callbackId = uniqueId('nova-tool');
    const res = await initiate(stack, { callbackId, to, provider: PROVIDER });
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(sim.streams[0]!.heard).toEqual([GOODBYE]);
    expect(sim.updates).toMatchObject([{ params: { Status: 'completed' }, outcome: 'hangup' }]);
    expect(detail).toMatchObject({ provider: PROVIDER, transcript: [{ role: 'assistant', text: GOODBYE }] });
    expect(detail.toolCalls).toMatchObject([{ name: 'end_call', ok: true }]);
    expect((await getCall(stack, detail.callbackId)).body.toolCalls).toMatchObject([{ name: 'end_call', arguments: { reason: 'test over' }, result: { ended: true } }]);
    expect(stack.fakes.amazon_nova_sonic!.stats.streams[0]!.toolNames).toContain('end_call');
  });
});

describe('the Bedrock stream drops mid-call', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({ fakes: { amazon_nova_sonic: { dropAfterResponses: 1 } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('ends the call with the partial transcript and says so in the event', async () => {
    const callbackId = uniqueId('nova-drop');
    const res = await initiate(stack, { callbackId, to: '+15557775003', provider: PROVIDER });
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail.transcriptComplete).toBe(false);
    expect(detail.error).toMatchObject({ code: 'model_disconnected' });
    expect(detail.error?.message).toMatch(/closed unexpectedly: Amazon Bedrock \(Nova Sonic\) StreamEnded: the response stream ended before sessionEnd/);
    expect(detail.transcript[0]).toMatchObject({ role: 'assistant' });
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(sim.streams[0]!.endReason).toBe('server-closed');
    expect(stack.fakes.amazon_nova_sonic!.stats.streams[0]!.closedBy).toBe('fault');
  });
});

describe('Bedrock refuses the credentials', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({ fakes: { amazon_nova_sonic: { accessKeyId: 'AKIAEXPECTEDEXAMPLE1' } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('fails the call at connect with the 403 named and a hint about the credentials', async () => {
    const callbackId = uniqueId('nova-auth');
    await initiate(stack, { callbackId, to: '+15557775004', provider: PROVIDER });
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail.error?.code).toBe('model_connect_failed');
    expect(detail.error?.message).toMatch(/UnrecognizedClientException \[HTTP 403\]: The security token included in the request is invalid/);
    expect(detail.error?.message).toMatch(/credentials/);
    expect(detail.transcriptComplete).toBe(false);
    expect(stack.fakes.amazon_nova_sonic!.stats.requestsRefused).toEqual([{ status: 403, errorType: 'UnrecognizedClientException' }]);
    expect(stack.fakes.amazon_nova_sonic!.stats.streamsOpened).toBe(0);
  });
});

describe('the adapter against the fake, without a call around it', () => {
  const log = new Logger({ serviceName: 'nova-sonic-test', logLevel: 'SILENT' });
  const lookupOrder: ToolDefinition = {
    name: 'lookup_order',
    description: 'Looks up an order by its number.',
    parameters: z.object({ orderId: z.string().describe('The order number, e.g. A-17') }),
    execute: async ({ orderId }) => ({ orderId, status: 'shipped' }),
  };
  const toolScript: AgentScript = {
    next({ trigger, history }) {
      if (trigger === 'greeting') return { call: { name: 'lookup_order', arguments: { orderId: 'A-17' } } };
      if (trigger === 'tool_output') {
        const output = JSON.parse(history.findLast((entry) => entry.role === 'tool')!.text) as { orderId: string; status: string };
        return { say: `Your order ${output.orderId} has ${output.status}.` };
      }
      return undefined;
    },
  };

  function openSession(fake: FakeNovaSonic, tools: ToolDefinition[], recorded: ToolCallRecord[] = [], tuning?: NovaSonicTuning) {
    const seen: { turns: ProviderEvents['turn'][0][]; errors: ProviderEvents['error'][0][]; closed: boolean[]; media: number; mulaw: Buffer[] } = {
      turns: [],
      errors: [],
      closed: [],
      media: 0,
      mulaw: [],
    };
    const playback = new CallerPlayback({
      streamSid: 'MZ-adapter',
      send: (message) => {
        if (message.event !== 'media') return;
        seen.media += 1;
        seen.mulaw.push(Buffer.from(message.media.payload, 'base64'));
      },
    });
    const session = new NovaSonicProviderSession(
      {
        config: parseConfig({ STAGE: 'local', BEDROCK_ENDPOINT: fake.endpoint }),
        provider: PROVIDER,
        model: 'amazon.nova-2-sonic-v1:0',
        voice: 'tiffany',
        instructions: 'You check orders.',
        tools: createToolRunner({
          definitions: tools,
          // The small tool above needs none of the call's controls.
          context: { callbackId: 'adapter-test', callSid: undefined, to: '+15550001111', from: '+15550002222' } as Omit<ToolContext, 'signal'>,
          log,
          record: (call) => recorded.push(call),
        }),
        playback,
        log,
      },
      tuning,
    );
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

  it('a tool use round trip: toolUse → the tool runner → TOOL result content → the model speaks the result', async () => {
    const fake = await startFakeNovaSonic({ agent: toolScript });
    try {
      const recorded: ToolCallRecord[] = [];
      const { session, seen } = openSession(fake, [lookupOrder], recorded);
      await session.connect();
      session.requestResponse();
      await until(() => seen.turns.some((turn) => turn.role === 'assistant'));
      expect(seen.turns).toEqual([{ role: 'assistant', text: 'Your order A-17 has shipped.' }]);
      expect(recorded).toMatchObject([{ name: 'lookup_order', arguments: { orderId: 'A-17' }, result: { orderId: 'A-17', status: 'shipped' } }]);
      const stream = fake.stats.streams[0]!;
      expect(stream.toolSchemas.lookup_order).toMatchObject({ type: 'object', required: ['orderId'] });
      expect(stream.toolUsesSent).toBe(1);
      expect(JSON.parse(stream.toolResults[0]!.content)).toEqual({ orderId: 'A-17', status: 'shipped' });
      expect(seen.media).toBeGreaterThan(0);

      await session.close();
      expect(seen.closed).toEqual([true]);
      expect(stream.eventOrder.slice(-3)).toEqual(['contentEnd', 'promptEnd', 'sessionEnd']);
      expect(seen.errors).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('a stream exception from Bedrock surfaces as an error naming it, then an unexpected close', async () => {
    const fake = await startFakeNovaSonic({
      exceptionAfterResponses: { responses: 1, type: 'modelTimeoutException', message: 'Model has timed out in processing the request.' },
    });
    try {
      const { session, seen } = openSession(fake, []);
      await session.connect();
      session.requestResponse();
      await until(() => seen.closed.length > 0);
      expect(seen.turns[0]?.role).toBe('assistant');
      expect(seen.errors).toHaveLength(1);
      expect(seen.errors[0]!.code).toBe('ModelTimeoutException');
      expect(seen.errors[0]!.message).toMatch(/Model has timed out in processing the request\..*timed out/);
      expect(seen.closed).toEqual([false]);
      await session.close();
    } finally {
      await fake.close();
    }
  });

  const say = (session: NovaSonicProviderSession, text: string) => {
    const speech = pcm16ToMulaw(encodeVoiceCode(text, 8000));
    for (const bytes of [new Uint8Array(1600).fill(0xff), speech, new Uint8Array(8000).fill(0xff)]) {
      for (let i = 0; i < bytes.length; i += 160) session.sendAudio(Buffer.from(bytes.subarray(i, i + 160)).toString('base64'));
    }
    return speech;
  };

  it('an audio content at a rate no filter is designed for faults this session, named, at once', async () => {
    const fake = await startFakeNovaSonic({ agent: { next: ({ trigger }) => (trigger === 'greeting' ? { say: 'Hello.' } : undefined) }, outputSampleRateHertz: 24_001 });
    try {
      const { session, seen } = openSession(fake, []);
      const faults: Error[] = [];
      session.on('fault', (error) => faults.push(error));
      await session.connect();
      session.requestResponse();
      await until(() => faults.length > 0);
      expect(faults[0]).toEqual(new RangeError('unsupported sample-rate pair 24001 → 8000 Hz'));
      expect(seen.media, 'no audio of an unknown rate reached the caller').toBe(0);
      await session.close();
    } finally {
      await fake.close();
    }
  });

  it('caller audio reaches Nova as 8 kHz LPCM it can transcribe', async () => {
    const fake = await startFakeNovaSonic({ agent: { next: () => undefined } });
    try {
      const { session, seen } = openSession(fake, []);
      await session.connect();
      const speech = say(session, 'Hello from the caller.');
      await until(() => seen.turns.length > 0);
      expect(seen.turns).toEqual([{ role: 'user', text: 'Hello from the caller.' }]);
      expect(fake.stats.streams[0]!.inputSampleRate).toBe(8000);
      expect(fake.stats.streams[0]!.audioBytesReceived).toBeGreaterThan(speech.length * 2 * 0.99);
      await session.close();
    } finally {
      await fake.close();
    }
  });

  it('plays each audio content at the rate it announces, whatever promptStart asked for', async () => {
    const greeting = 'Hello, this is Nova at a rate of its own.';
    const fake = await startFakeNovaSonic({ agent: { next: ({ trigger }) => (trigger === 'greeting' ? { say: greeting } : undefined) }, outputSampleRateHertz: 24_000 });
    try {
      const { session, seen } = openSession(fake, []);
      await session.connect();
      const responseDone = new Promise<void>((resolve) => session.once('response_done', () => resolve()));
      session.requestResponse();
      await responseDone;
      expect(fake.stats.streams[0]).toMatchObject({ requestedOutputSampleRate: 8000, outputSampleRate: 24_000 });
      expect(decodeVoiceCode(mulawToPcm16(Buffer.concat(seen.mulaw)), 8000), 'the caller hears the 24 kHz speech brought to 8 kHz').toBe(greeting);
      await session.close();
    } finally {
      await fake.close();
    }
  });

  it('before the 8-minute stream limit, the conversation moves to a new stream that carries it as history', async () => {
    const fake = await startFakeNovaSonic();
    try {
      const { session, seen } = openSession(fake, [], [], { renewAfterMs: 1_500, renewWithinMs: 1_000 });
      await session.connect();
      session.requestResponse();
      await until(() => seen.turns.length === 1);
      await until(() => fake.stats.streams.length === 2 && fake.stats.streams[0]!.closedBy !== undefined);
      const [first, second] = fake.stats.streams;
      expect(first!.eventOrder.slice(-3)).toEqual(['contentEnd', 'promptEnd', 'sessionEnd']);
      expect(first!.closedBy).toBe('client');
      expect(second!.history).toEqual([
        { role: 'USER', text: '(the call connected)' },
        { role: 'ASSISTANT', text: seen.turns[0]!.text },
      ]);
      expect(second!.systemPrompt).toBe('You check orders.');

      say(session, 'Can you hear me now?');
      await until(() => seen.turns.length === 3);
      expect(seen.turns.slice(1)).toEqual([
        { role: 'user', text: 'Can you hear me now?' },
        { role: 'assistant', text: 'You said "Can you hear me now?". Could you tell me more?' },
      ]);
      expect(second!.userTranscripts).toEqual(['Can you hear me now?']);
      expect(seen.errors).toEqual([]);
      await session.close();
      expect(seen.closed).toEqual([true]);
    } finally {
      await fake.close();
    }
  });

  it('resumable history opens with a USER turn, alternates roles and keeps the latest turns', () => {
    expect(
      resumableHistory([
        { role: 'ASSISTANT', text: 'Hi!' },
        { role: 'USER', text: 'Hello.' },
        { role: 'USER', text: 'Who is this?' },
        { role: 'ASSISTANT', text: 'Ava.' },
      ]),
    ).toEqual([
      { role: 'USER', text: '(the call connected)' },
      { role: 'ASSISTANT', text: 'Hi!' },
      { role: 'USER', text: 'Hello. Who is this?' },
      { role: 'ASSISTANT', text: 'Ava.' },
    ]);
    const long = Array.from({ length: 100 }, (_, i) => ({ role: i % 2 ? ('ASSISTANT' as const) : ('USER' as const), text: `turn ${i}` }));
    expect(resumableHistory(long)).toHaveLength(40);
    expect(resumableHistory(long)[0]).toEqual({ role: 'USER', text: 'turn 60' });
  });
});

describe('a Bedrock stream that stops taking input', () => {
  it('holds at most MAX_QUEUED_INPUT_EVENTS of caller audio, drops the rest, and says so once', async () => {
    // An HTTP/2 endpoint that accepts the stream and never reads it: flow control stalls the SDK.
    const server = http2.createServer();
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (session) => sessions.add(session));
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/vnd.amazon.eventstream' });
      stream.pause();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const warnings: string[] = [];
    const log = { warn: (message: string) => warnings.push(message), info: () => undefined, error: () => undefined, debug: () => undefined } as unknown as Logger;
    const stream = new NovaSonicStream({
      config: parseConfig({ STAGE: 'local', BEDROCK_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
      modelId: 'amazon.nova-2-sonic-v1:0',
      settings: { voiceId: 'matthew', tools: [] },
      instructions: 'You check orders.',
      history: [],
      log,
    });
    try {
      await stream.open();
      const fortyMs = Buffer.alloc(1280).toString('base64');
      // A minute of caller audio, with turns of the event loop for the SDK to take what it can.
      for (let i = 0; i < 1500; i++) {
        stream.sendAudio(fortyMs);
        if (i % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      expect(stream.queuedEvents).toBe(MAX_QUEUED_INPUT_EVENTS);
      expect(warnings).toEqual([expect.stringContaining('dropping audio')]);
    } finally {
      await stream.close();
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
