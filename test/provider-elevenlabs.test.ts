import { Logger } from '@aws-lambda-powertools/logger';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { encodeVoiceCode, decodeVoiceCode } from '../local/audio/voice-code';
import { startFakeElevenLabs, type FakeElevenLabsOptions } from '../local/fake-elevenlabs/server';
import { DEFAULT_CALLEE } from '../local/scenarios';
import type { LocalStack } from '../local/stack';
import { mulawToPcm16, pcm16ToMulaw } from '../media-service/audio/codec';
import { CallerPlayback } from '../media-service/playback/caller-playback';
import { ElevenLabsProviderSession } from '../media-service/providers/elevenlabs';
import { elevenLabsClientTool } from '../media-service/providers/elevenlabs-tools';
import { sendSmsTool } from '../media-service/tools/send-sms';
import type { ProviderEvents } from '../media-service/providers/types';
import { createToolRunner } from '../media-service/tools/runner';
import type { ToolContext } from '../media-service/tools/types';
import { parseConfig } from '../shared/config';
import { callCompletedEventSchema } from '../shared/events';
import { initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

const PROVIDER = 'elevenlabs';

describe('an ElevenLabs agent call through the embedded stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('greets, takes turns, and ends in one event naming elevenlabs with the transcript and a summary', async () => {
    const callbackId = uniqueId('eleven');
    const res = await initiate(stack, {
      callbackId,
      to: '+15557782001',
      provider: PROVIDER,
      instructions: 'Your name is Ava. You are calling {{name}}.',
      variables: { name: 'Sam' },
    });
    expect(res.status).toBe(200);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));

    expect(detail).toMatchObject({ provider: 'elevenlabs', transcriptComplete: true, error: null });
    expect(detail.transcript[0]).toMatchObject({ role: 'assistant', text: 'Hi Sam, this is Ava. Do you have a minute?' });
    expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(DEFAULT_CALLEE.utterances);
    expect(detail.transcript.map((t) => t.role)).toEqual(['assistant', 'user', 'assistant', 'user', 'assistant']);
    expect(detail.summary).toEqual(expect.stringContaining(DEFAULT_CALLEE.utterances[0]!));

    const stream = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!;
    expect(stream.heard[0]).toBe(detail.transcript[0]!.text);
    expect(stream.protocolErrors).toEqual([]);
    const fake = stack.fakes.elevenlabs!;
    expect(fake.stats.signedUrlRequests).toBeGreaterThanOrEqual(1);
    const conversation = fake.stats.conversations.at(-1)!;
    expect(conversation).toMatchObject({
      protocols: ['convai'],
      instructions: 'Your name is Ava. You are calling Sam.',
      inputFormat: 'pcm_16000',
      outputFormat: 'pcm_16000',
      closedBy: 'client',
      invalidMessages: [],
    });
    expect(conversation.initiation).toMatchObject({
      type: 'conversation_initiation_client_data',
      conversation_config_override: { agent: { prompt: { prompt: 'Your name is Ava. You are calling Sam.' } } },
      dynamic_variables: { name: 'Sam' },
    });
    expect(conversation.initiation?.conversation_config_override?.tts).toBeUndefined();
    expect(conversation.pongsReceived).toBeGreaterThanOrEqual(1);
    expect(conversation.userTranscripts).toEqual(DEFAULT_CALLEE.utterances);
  });

  it('barge-in over a finished response still queued at Twilio: the adapter clears it itself', async () => {
    const BARGE_IN_CALLEE = { utterances: ['Sorry to cut in, who is this?'], bargeIn: true, hangUpAfterAgentTurns: 2, maxCallMs: 60_000 };
    stack.fakes.elevenlabs!.configure({ audioChunkIntervalMs: 2 });
    try {
      stack.twilio!.setBehaviour('+15557782006', { kind: 'answer', callee: BARGE_IN_CALLEE });
      const callbackId = uniqueId('eleven-barge-local');
      const res = await initiate(stack, { callbackId, to: '+15557782006', provider: PROVIDER });
      const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
      const stream = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!;
      expect(stack.fakes.elevenlabs!.stats.conversations.at(-1)!.interruptions).toBe(0);
      expect(stream.clearsReceived).toBe(1);
      expect(stream.heard[0]).toBe('[interrupted]');
      expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(BARGE_IN_CALLEE.utterances);
    } finally {
      stack.fakes.elevenlabs!.configure({ audioChunkIntervalMs: undefined });
    }
  });

  it('an agent without a first message is cued to greet as soon on the call’s clock as in production: the callee never has to ask first', async () => {
    // Real time: cued after 1.5 s, the agent greets well before a callee who waits 5 s would speak.
    const callee = { utterances: ['Hello? Who is this?'], answerSilenceMs: 5_000, hangUpAfterAgentTurns: 1, maxCallMs: 60_000 };
    stack.fakes.elevenlabs!.configure({ firstMessage: '' });
    try {
      stack.twilio!.setBehaviour('+15557782007', { kind: 'answer', callee });
      const callbackId = uniqueId('eleven-no-first-message');
      const res = await initiate(stack, { callbackId, to: '+15557782007', provider: PROVIDER });
      const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
      const stream = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!;
      expect(stream.said, 'the callee had to speak first').toEqual([]);
      expect(detail.transcript[0]).toMatchObject({ role: 'assistant' });
    } finally {
      stack.fakes.elevenlabs!.configure({ firstMessage: undefined });
    }
  });

  it('an API key ElevenLabs refuses: the call ends and the event names the key and the answer', async () => {
    const refusedBefore = stack.fakes.elevenlabs!.stats.signedUrlRefusals;
    const conversationsBefore = stack.fakes.elevenlabs!.stats.conversations.length;
    stack.fakes.elevenlabs!.configure({ apiKey: 'a-different-key' });
    try {
      const callbackId = uniqueId('eleven-auth');
      await initiate(stack, { callbackId, to: '+15557782005', provider: PROVIDER });
      const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
      expect(detail.error?.code).toBe('model_connect_failed');
      expect(detail.error?.message).toBe('ElevenLabs rejected ELEVENLABS_API_KEY (401: invalid_api_key: Invalid API key)');
      expect(detail.transcriptComplete).toBe(false);
      expect(stack.fakes.elevenlabs!.stats.signedUrlRefusals).toBe(refusedBefore + 1);
      expect(stack.fakes.elevenlabs!.stats.conversations).toHaveLength(conversationsBefore);
    } finally {
      stack.fakes.elevenlabs!.configure({ apiKey: stack.config.ELEVENLABS_API_KEY });
    }
  });
});

describe('the ElevenLabs adapter without a call around it', () => {
  const log = new Logger({ serviceName: 'elevenlabs-test', logLevel: 'SILENT' });

  function openSession(env: Record<string, string>, voice = 'agent-default') {
    const seen = { turns: [] as ProviderEvents['turn'][0][], errors: [] as ProviderEvents['error'][0][], closed: [] as boolean[], media: [] as Buffer[], mediaAt: [] as number[], clears: 0 };
    const playback: CallerPlayback = new CallerPlayback({
      streamSid: 'MZ-adapter',
      send: (message) => {
        if (message.event === 'media') {
          seen.media.push(Buffer.from(message.media.payload, 'base64'));
          seen.mediaAt.push(performance.now());
        }
        if (message.event === 'mark') setTimeout(() => playback.markPlayed(message.mark.name), 5);
        if (message.event === 'clear') seen.clears += 1;
      },
    });
    const session = new ElevenLabsProviderSession({
      config: parseConfig({ STAGE: 'local', ELEVENLABS_AGENT_ID: 'agent_fake', ...env }),
      provider: PROVIDER,
      model: 'elevenlabs-agent',
      voice,
      instructions: 'You check orders.',
      variables: { orderId: 'A-17' },
      tools: createToolRunner({
        definitions: [],
        context: { callbackId: 'adapter-test', callSid: undefined, to: '+15550001111', from: '+15550002222' } as Omit<ToolContext, 'signal'>,
        log,
        record: () => undefined,
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

  async function withFake(options: FakeElevenLabsOptions, run: (fake: Awaited<ReturnType<typeof startFakeElevenLabs>>) => Promise<void>) {
    const fake = await startFakeElevenLabs(options);
    try {
      await run(fake);
    } finally {
      await fake.close();
    }
  }

  it('an agent set to ulaw_8000 both ways: Twilio audio passes through untouched in both directions', () =>
    withFake({ apiKey: 'xi', inputFormat: 'ulaw_8000', outputFormat: 'ulaw_8000', firstMessage: 'Hello {{orderId}} caller.' }, async (fake) => {
      const { session, seen } = openSession({ ELEVENLABS_API_KEY: 'xi', ELEVENLABS_BASE_URL: fake.baseUrl }, 'voice-123');
      await session.connect();
      session.requestResponse();
      await until(() => seen.turns.length === 1);
      expect(seen.turns).toEqual([{ role: 'assistant', text: 'Hello A-17 caller.' }]);
      const conversation = fake.stats.conversations[0]!;
      // What Twilio got is exactly the agent's μ-law: same bytes, no resampling.
      expect(Buffer.concat(seen.media).length).toBe(conversation.audioBytesSent);
      expect(decodeVoiceCode(mulawToPcm16(Buffer.concat(seen.media)), 8000)).toBe('Hello A-17 caller.');
      expect(conversation.initiation?.conversation_config_override?.tts).toEqual({ voice_id: 'voice-123' });

      const said = Buffer.from(pcm16ToMulaw(encodeVoiceCode('It is A-17.', 8000)));
      const silence = Buffer.alloc(8000, 0xff);
      const audio = Buffer.concat([said, silence]);
      for (let at = 0; at < audio.length; at += 160) session.sendAudio(audio.subarray(at, at + 160).toString('base64'));
      await until(() => seen.turns.length >= 3);
      expect(conversation.audioBytesReceived).toBe(audio.length);
      expect(seen.turns[1]).toEqual({ role: 'user', text: 'It is A-17.' });
      await session.close();
      await until(() => seen.closed.length > 0);
      expect(seen.closed).toEqual([true]);
      expect(seen.errors).toEqual([]);
    }));

  it('a response ends once its audio has been quiet for ELEVENLABS_RESPONSE_QUIET_MS', () =>
    withFake({ apiKey: 'xi', inputFormat: 'ulaw_8000', outputFormat: 'ulaw_8000', firstMessage: 'Hello caller.' }, async (fake) => {
      const { session, seen } = openSession({ ELEVENLABS_API_KEY: 'xi', ELEVENLABS_BASE_URL: fake.baseUrl, ELEVENLABS_RESPONSE_QUIET_MS: '1500' });
      let doneAt: number | undefined;
      session.on('response_done', () => (doneAt ??= performance.now()));
      await session.connect();
      await until(() => doneAt !== undefined);
      // Timers never fire early: however busy the machine, the response ended no sooner than the window after its last audio.
      expect(doneAt! - seen.mediaAt.at(-1)!).toBeGreaterThanOrEqual(1490);
      await session.close();
    }));

  it('a PCM agent’s speech reaches the callee whole when its audio pauses, long before the response’s quiet window ends', () =>
    withFake({ apiKey: 'xi', inputFormat: 'pcm_16000', outputFormat: 'pcm_16000', firstMessage: 'Hello caller, this is the agent.' }, async (fake) => {
      // The longest window there is: only the pause in the agent's audio can release the resampler's tail sooner.
      const { session, seen } = openSession({ ELEVENLABS_API_KEY: 'xi', ELEVENLABS_BASE_URL: fake.baseUrl, ELEVENLABS_RESPONSE_QUIET_MS: '10000' });
      let done = false;
      session.on('response_done', () => (done = true));
      await session.connect();
      const conversation = fake.stats.conversations[0]!;
      await until(() => conversation.audioBytesSent > 0 && Buffer.concat(seen.media).length * 4 >= conversation.audioBytesSent, 6000);
      // Every 16 kHz sample the agent sent became its 8 kHz μ-law byte (4 bytes of PCM16 for each), and nothing more.
      expect(Buffer.concat(seen.media).length).toBe(Math.ceil(conversation.audioBytesSent / 4));
      expect(decodeVoiceCode(mulawToPcm16(Buffer.concat(seen.media)), 8000)).toBe('Hello caller, this is the agent.');
      // The response itself goes on until the window (or the caller's turn) ends it.
      expect(done).toBe(false);
      await session.close();
    }));

  it('a public agent (no API key): connects straight to the agent URL', () =>
    withFake({}, async (fake) => {
      const { session, seen } = openSession({ ELEVENLABS_BASE_URL: fake.baseUrl });
      await session.connect();
      await until(() => seen.turns.length === 1);
      expect(fake.stats.signedUrlRequests).toBe(0);
      expect(fake.stats.conversations[0]!.agentId).toBe('agent_fake');
      await session.close();
    }));

  it('a private agent reached without a signed URL is refused with the reason', () =>
    withFake({ apiKey: 'xi' }, async (fake) => {
      const { session } = openSession({ ELEVENLABS_BASE_URL: fake.baseUrl });
      await expect(session.connect()).rejects.toThrow('ElevenLabs closed the conversation before it started (1008): This agent requires authentication: use a signed URL.');
      expect(fake.stats.conversationsRefused).toBe(1);
    }));

  it('an agent that does not allow the prompt override: connect fails with ElevenLabs’ reason', () =>
    withFake({ apiKey: 'xi', allowOverrides: { prompt: false } }, async (fake) => {
      const { session } = openSession({ ELEVENLABS_API_KEY: 'xi', ELEVENLABS_BASE_URL: fake.baseUrl });
      await expect(session.connect()).rejects.toThrow("ElevenLabs closed the conversation before it started (1008): Override for field 'prompt' is not allowed by config.");
    }));

  it('an unknown agent id: the signed-URL request fails with 404 named', () =>
    withFake({ apiKey: 'xi', agentId: 'agent_other' }, async (fake) => {
      const { session } = openSession({ ELEVENLABS_API_KEY: 'xi', ELEVENLABS_BASE_URL: fake.baseUrl });
      await expect(session.connect()).rejects.toThrow('ElevenLabs has no agent ELEVENLABS_AGENT_ID=agent_fake (404: agent_not_found: Agent with id agent_fake not found)');
    }));

  const audio = (eventId: number) => JSON.stringify({ type: 'audio', audio_event: { audio_base_64: Buffer.alloc(160, 0x10).toString('base64'), event_id: eventId } });

  /**
   * A scripted ElevenLabs server for exact frame sequences the fake never produces: it starts the
   * conversation (μ-law both ways), sends `burst` on the caller's first audio and `onUserMessage`
   * on each `user_message`, and collects pongs.
   */
  async function withScriptedAgent(burst: string[], run: (baseUrl: string, pongs: unknown[]) => Promise<void>, onUserMessage: string[] = []) {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'convai' });
    const pongs: unknown[] = [];
    wss.on('connection', (ws) => {
      let burstSent = false;
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type?: string; user_audio_chunk?: string };
        if (message.type === 'conversation_initiation_client_data') {
          ws.send(JSON.stringify({ type: 'conversation_initiation_metadata', conversation_initiation_metadata_event: { conversation_id: 'c1', agent_output_audio_format: 'ulaw_8000', user_input_audio_format: 'ulaw_8000' } }));
        } else if (message.type === 'pong') {
          pongs.push(message);
        } else if (message.type === 'user_message') {
          for (const frame of onUserMessage) ws.send(frame);
        } else if (message.user_audio_chunk !== undefined && !burstSent) {
          burstSent = true;
          for (const frame of burst) ws.send(frame);
        }
      });
    });
    await new Promise((resolve) => wss.once('listening', resolve));
    const { port } = wss.address() as AddressInfo;
    try {
      await run(`http://127.0.0.1:${port}`, pongs);
    } finally {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  }

  it('after an interruption, audio of the interrupted response (older event_id) is dropped', () =>
    withScriptedAgent(
      [
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'First answer', event_id: 3 } }),
        audio(3),
        JSON.stringify({ type: 'interruption', interruption_event: { event_id: 3 } }),
        audio(3),
        JSON.stringify({ type: 'agent_response_correction', agent_response_correction_event: { original_agent_response: 'First answer', corrected_agent_response: 'First', event_id: 3 } }),
        JSON.stringify({ type: 'ping', ping_event: { event_id: 4, ping_ms: null } }),
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Second answer', event_id: 5 } }),
        audio(5),
      ],
      async (baseUrl, pongs) => {
        const { session, seen } = openSession({ ELEVENLABS_BASE_URL: baseUrl });
        await session.connect();
        session.sendAudio(Buffer.alloc(160, 0xff).toString('base64'));
        await until(() => seen.turns.length === 2);
        expect(seen.media).toHaveLength(2);
        expect(seen.clears).toBe(1);
        expect(seen.turns).toEqual([
          { role: 'assistant', text: 'First' },
          { role: 'assistant', text: 'Second answer' },
        ]);
        await until(() => pongs.length > 0);
        expect(pongs).toContainEqual({ type: 'pong', event_id: 4 });
        await session.close();
      },
    ));

  it('the caller’s transcript ends the response before it, however soon after its audio it arrives', () =>
    withScriptedAgent(
      [
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'First answer', event_id: 3 } }),
        audio(3),
        JSON.stringify({ type: 'user_transcript', user_transcription_event: { user_transcript: 'Go on', event_id: 4 } }),
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Second answer', event_id: 5 } }),
        audio(5),
        JSON.stringify({ type: 'user_transcript', user_transcription_event: { user_transcript: 'Thanks', event_id: 6 } }),
      ],
      async (baseUrl) => {
        // A window no test outlasts: only the conversation itself can end these responses.
        const { session } = openSession({ ELEVENLABS_BASE_URL: baseUrl, ELEVENLABS_RESPONSE_QUIET_MS: '10000' });
        const story: string[] = [];
        session.on('response_done', () => story.push('response done'));
        session.on('turn', (turn) => story.push(`${turn.role}: ${turn.text}`));
        await session.connect();
        session.sendAudio(Buffer.alloc(160, 0xff).toString('base64'));
        await until(() => story.includes('user: Thanks'));
        expect(story).toEqual(['response done', 'assistant: First answer', 'user: Go on', 'response done', 'assistant: Second answer', 'user: Thanks']);
        await session.close();
      },
    ));

  it('a goodbye asked for while the agent talks: response_done is the goodbye’s, not the cut response’s', () =>
    withScriptedAgent(
      [
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Hello', event_id: 3 } }),
        audio(3),
        JSON.stringify({ type: 'user_transcript', user_transcription_event: { user_transcript: 'Hi', event_id: 4 } }),
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Let me tell you about our offers', event_id: 5 } }),
        audio(5),
      ],
      async (baseUrl) => {
        const { session, seen } = openSession({ ELEVENLABS_BASE_URL: baseUrl, ELEVENLABS_RESPONSE_QUIET_MS: '3000' });
        await session.connect();
        session.sendAudio(Buffer.alloc(160, 0xff).toString('base64'));
        await until(() => seen.media.length === 2);
        // As the bridge does on a time limit: listen for the end of the response, then ask for the goodbye.
        const done = new Promise<number>((resolve) => session.once('response_done', () => resolve(seen.media.length)));
        session.requestResponse('Say goodbye.');
        expect(await done, 'the goodbye had played when its response was done').toBe(3);
        await until(() => seen.turns.length === 4);
        expect(seen.turns).toEqual([
          { role: 'assistant', text: 'Hello' },
          { role: 'user', text: 'Hi' },
          { role: 'assistant', text: 'Let me tell' },
          { role: 'assistant', text: 'Goodbye!' },
        ]);
        await session.close();
      },
      [
        JSON.stringify({ type: 'interruption', interruption_event: { event_id: 5 } }),
        audio(5),
        JSON.stringify({ type: 'agent_response_correction', agent_response_correction_event: { corrected_agent_response: 'Let me tell', event_id: 5 } }),
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Goodbye!', event_id: 6 } }),
        audio(6),
      ],
    ));

  it('a goodbye asked for during the greeting is a user message the agent answers, not context it keeps', () =>
    withScriptedAgent(
      [JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Hello, this is Ava', event_id: 1 } }), audio(1)],
      async (baseUrl) => {
        const { session, seen } = openSession({ ELEVENLABS_BASE_URL: baseUrl, ELEVENLABS_RESPONSE_QUIET_MS: '3000' });
        await session.connect();
        // As the bridge does: the greeting is asked for as the session opens, the goodbye later.
        session.requestResponse();
        session.sendAudio(Buffer.alloc(160, 0xff).toString('base64'));
        await until(() => seen.media.length === 1);
        const done = new Promise<number>((resolve) => session.once('response_done', () => resolve(seen.media.length)));
        session.requestResponse('Say goodbye.');
        expect(await done, 'the goodbye had played when its response was done').toBe(2);
        await until(() => seen.turns.length === 2);
        expect(seen.turns).toEqual([
          { role: 'assistant', text: 'Hello' },
          { role: 'assistant', text: 'Goodbye!' },
        ]);
        await session.close();
      },
      [
        JSON.stringify({ type: 'interruption', interruption_event: { event_id: 1 } }),
        JSON.stringify({ type: 'agent_response_correction', agent_response_correction_event: { corrected_agent_response: 'Hello', event_id: 1 } }),
        JSON.stringify({ type: 'agent_response', agent_response_event: { agent_response: 'Goodbye!', event_id: 2 } }),
        audio(2),
      ],
    ));
});

describe('our tools as ElevenLabs client tools (the agent holds its tools)', () => {
  it('send_sms becomes a client tool with the same name, a described parameter schema and its timeout', () => {
    expect(elevenLabsClientTool(sendSmsTool as never)).toEqual({
      type: 'client',
      name: 'send_sms',
      description: sendSmsTool.description,
      parameters: {
        type: 'object',
        properties: {
          message: { type: 'string', description: 'The text to send, at most 320 characters.' },
          to: { type: 'string', description: expect.stringContaining('Leave this out') },
        },
        required: ['message'],
      },
      expects_response: true,
      response_timeout_secs: 8,
    });
  });
});
