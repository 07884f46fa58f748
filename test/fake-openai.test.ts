import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { OpenAIRealtimeWebSocket, RealtimeAgent, RealtimeSession, tool } from '@openai/agents/realtime';
import { TwilioRealtimeTransportLayer } from '@openai/agents-extensions';
import OpenAI, { AuthenticationError } from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { mulawToPcm16, pcm16ToMulaw } from '../media-service/audio/mulaw';
import { decodeVoiceCode, encodeVoiceCode } from '../local/audio/voice-code';
import {
  CLOSING_LINE,
  conversationScript,
  startFakeOpenAI,
  type AgentScript,
  type FakeOpenAI,
  type FakeOpenAIOptions,
} from '../local/fake-openai/server';

const API_KEY = 'test-key';
const PCMU = { type: 'audio/pcmu' } as const;
const INSTRUCTIONS = 'Your name is Ava. You call to book a demo.';
const TEST_TIMEOUT_MS = 10_000;

type WireEvent = { type: string } & Record<string, any>;

/** Every server event a transport saw, with waits that also look at what already arrived. */
class EventLog {
  readonly events: WireEvent[] = [];
  #waiters: Array<() => void> = [];

  push(event: WireEvent): void {
    this.events.push(event);
    this.#waiters.splice(0).forEach((wake) => wake());
  }

  get length(): number {
    return this.events.length;
  }

  async waitFor(predicate: (event: WireEvent) => boolean, from = 0, timeoutMs = 5000): Promise<WireEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(predicate);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`Timed out; saw: ${this.events.slice(from).map((e) => e.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  audioOf(responseId: string): Buffer {
    return Buffer.concat(
      this.events
        .filter((e) => e.type === 'response.output_audio.delta' && e.response_id === responseId)
        .map((e) => Buffer.from(e.delta as string, 'base64')),
    );
  }
}

let fake: FakeOpenAI | undefined;
const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await fake?.close();
  fake = undefined;
});

async function startFake(overrides: Partial<FakeOpenAIOptions> = {}): Promise<FakeOpenAI> {
  fake = await startFakeOpenAI({ apiKey: API_KEY, agent: conversationScript, ...overrides });
  return fake;
}

async function connectPcmuTransport(server: FakeOpenAI, apiKey = API_KEY) {
  const transport = new OpenAIRealtimeWebSocket({ url: `${server.realtimeUrl}?model=gpt-realtime` });
  const log = new EventLog();
  transport.on('*', (event) => log.push(event as WireEvent));
  // Server `error` events are asserted through the log; without a listener EventEmitter would throw.
  transport.on('error', () => {});
  await transport.connect({
    apiKey,
    initialSessionConfig: { instructions: INSTRUCTIONS, audio: { input: { format: PCMU }, output: { format: PCMU } } },
  });
  cleanups.push(() => transport.close());
  await log.waitFor((e) => e.type === 'session.updated' && e.session.audio.input.format.type === 'audio/pcmu');
  return { transport, log };
}

/** What the simulated callee says: voice code in μ-law, 20 ms frames, then enough silence to end the turn. */
function calleeFrames(text: string, trailingSilenceMs = 700): Uint8Array[] {
  const speech = pcm16ToMulaw(encodeVoiceCode(text, 8000));
  const audio = new Uint8Array(1600 + speech.length + trailingSilenceMs * 8).fill(0xff);
  audio.set(speech, 1600);
  const frames: Uint8Array[] = [];
  for (let at = 0; at < audio.length; at += 160) frames.push(audio.slice(at, at + 160));
  return frames;
}

function sendSpeech(transport: OpenAIRealtimeWebSocket, text: string): number {
  const frames = calleeFrames(text);
  for (const frame of frames) transport.sendAudio(frame.buffer as ArrayBuffer);
  return frames.length;
}

function disconnection(transport: OpenAIRealtimeWebSocket): Promise<void> {
  return new Promise((resolve) => transport.on('disconnected', () => resolve()));
}

async function eventually<T>(read: () => T, accept: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = read();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = read();
  }
  return value;
}

function decodeMulaw(audio: Buffer): string | undefined {
  return decodeVoiceCode(mulawToPcm16(audio), 8000);
}

function decodePcm24k(audio: Buffer): string | undefined {
  const samples = new Int16Array(audio.length / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = audio.readInt16LE(i * 2);
  return decodeVoiceCode(samples, 24000);
}

describe('fake OpenAI Realtime, driven by the Agents SDK', () => {
  it('greets, transcribes what the callee really said, answers in decodable audio and says goodbye', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const { transport, log } = await connectPcmuTransport(server);

    transport.requestResponse();
    const greeting = await log.waitFor((e) => e.type === 'response.done');
    expect(greeting.response.status).toBe('completed');
    expect(decodeMulaw(log.audioOf(greeting.response.id))).toBe('Hi, this is Ava. Do you have a minute?');

    let mark = log.length;
    const framesSent = sendSpeech(transport, 'Not really, I am driving');
    const started = await log.waitFor((e) => e.type === 'input_audio_buffer.speech_started', mark);
    const transcript = await log.waitFor((e) => e.type === 'conversation.item.input_audio_transcription.completed', mark);
    expect(transcript.transcript).toBe('Not really, I am driving');
    expect(transcript.item_id).toBe(started.item_id);
    expect(started.audio_start_ms).toBeGreaterThanOrEqual(180);
    expect(started.audio_start_ms).toBeLessThanOrEqual(220);
    const reply = await log.waitFor((e) => e.type === 'response.done', mark);
    expect(decodeMulaw(log.audioOf(reply.response.id))).toBe('You said "Not really, I am driving". Could you tell me more?');
    expect(reply.response.output[0].content[0].transcript).toBe('You said "Not really, I am driving". Could you tell me more?');

    mark = log.length;
    sendSpeech(transport, 'Call me tomorrow');
    const closing = await log.waitFor((e) => e.type === 'response.done', mark);
    expect(decodeMulaw(log.audioOf(closing.response.id))).toBe(CLOSING_LINE);

    const retrieved = log.events
      .filter((e) => e.type === 'conversation.item.retrieved' && e.item.role === 'user')
      .map((e) => e.item.content[0].transcript);
    expect(retrieved).toEqual(['Not really, I am driving', 'Call me tomorrow']);
    expect(log.events.filter((e) => e.type === 'error')).toEqual([]);
    const stats = server.stats.sessions[0]!;
    expect(server.stats.connectionsOpened).toBe(1);
    expect(stats.instructions).toBe(INSTRUCTIONS);
    expect(stats.inputFormat).toEqual(PCMU);
    expect(stats.audioFramesReceived).toBe(framesSent + calleeFrames('Call me tomorrow').length);
    expect(stats.userTranscripts).toEqual(['Not really, I am driving', 'Call me tomorrow']);
    expect(stats.responsesCreated).toBe(3);
    expect(stats.ended).toBe(true);
    expect(stats.audioBytesSent).toBe(
      [greeting, reply, closing].reduce((n, done) => n + log.audioOf(done.response.id).length, 0),
    );
  });

  it('runs server VAD and transcription on 24 kHz PCM split at odd byte boundaries', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const transport = new OpenAIRealtimeWebSocket({ url: `${server.realtimeUrl}?model=gpt-realtime` });
    const log = new EventLog();
    transport.on('*', (event) => log.push(event as WireEvent));
    await transport.connect({ apiKey: API_KEY, initialSessionConfig: { instructions: 'Be brief.' } });
    cleanups.push(() => transport.close());

    const speech = encodeVoiceCode('Yes, go ahead', 24000);
    const samples = new Int16Array(speech.length + 24 * 700);
    samples.set(speech);
    const audio = Buffer.from(samples.buffer);
    for (let at = 0; at < audio.length; at += 4801) transport.sendAudio(Uint8Array.from(audio.subarray(at, at + 4801)).buffer);

    const transcript = await log.waitFor((e) => e.type === 'conversation.item.input_audio_transcription.completed');
    expect(transcript.transcript).toBe('Yes, go ahead');
    const reply = await log.waitFor((e) => e.type === 'response.done');
    expect(decodePcm24k(log.audioOf(reply.response.id))).toBe('You said "Yes, go ahead". Could you tell me more?');
    expect(server.stats.sessions[0]!.audioBytesReceived).toBe(audio.length);
  });

  it('reports audio that carries no voice code as "(inaudible)"', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const { transport, log } = await connectPcmuTransport(server);
    const tone = new Int16Array(8000).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    transport.sendAudio(pcm16ToMulaw(tone).buffer as ArrayBuffer);
    transport.sendAudio(new Uint8Array(8 * 700).fill(0xff).buffer);
    const transcript = await log.waitFor((e) => e.type === 'conversation.item.input_audio_transcription.completed');
    expect(transcript.transcript).toBe('(inaudible)');
  });

  it('round-trips a tool call through RealtimeSession with 24 kHz PCM', { timeout: TEST_TIMEOUT_MS }, async () => {
    const schedulingScript: AgentScript = {
      next: ({ trigger, tools, history }) => {
        if (trigger === 'greeting' && tools.includes('check_availability')) {
          return { call: { name: 'check_availability', arguments: { day: 'monday' } } };
        }
        if (trigger === 'tool_output') return { say: `Good news: ${history.at(-1)?.text}` };
        return undefined;
      },
    };
    const server = await startFake({ agent: schedulingScript });
    const calls: unknown[] = [];
    const agent = new RealtimeAgent({
      name: 'Scheduler',
      instructions: 'Your name is Sam.',
      tools: [
        tool({
          name: 'check_availability',
          description: 'Free slots on a day',
          parameters: z.object({ day: z.string() }),
          execute: async ({ day }) => {
            calls.push(day);
            return `free at ten on ${day}`;
          },
        }),
      ],
    });
    const session = new RealtimeSession(agent, {
      transport: new OpenAIRealtimeWebSocket({ url: `${server.realtimeUrl}?model=gpt-realtime` }),
    });
    const log = new EventLog();
    session.on('transport_event', (event) => log.push(event as WireEvent));
    await session.connect({ apiKey: API_KEY });
    cleanups.push(() => session.close());
    await log.waitFor((e) => e.type === 'session.updated' && e.session.tools.length === 1);

    session.transport.sendEvent({ type: 'response.create' });
    const toolResponse = await log.waitFor((e) => e.type === 'response.done');
    expect(toolResponse.response.output[0]).toMatchObject({ type: 'function_call', name: 'check_availability', arguments: '{"day":"monday"}' });
    const answer = await log.waitFor((e) => e.type === 'response.done' && e.response.id !== toolResponse.response.id);

    expect(calls).toEqual(['monday']);
    expect(log.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(decodePcm24k(log.audioOf(answer.response.id))).toBe('Good news: free at ten on monday');
    const toolItem = session.history.find((item) => item.type === 'function_call');
    expect(toolItem).toMatchObject({ name: 'check_availability', status: 'completed', output: 'free at ten on monday' });
    const stats = server.stats.sessions[0]!;
    expect(stats.toolNames).toEqual(['check_availability']);
    expect(stats.instructions).toBe('Your name is Sam.');
    expect(stats.toolCallsIssued).toBe(1);
    expect(stats.toolOutputsReceived).toBe(1);
  });

  it('cancels the streaming response when the callee barges in, and accepts the truncation', { timeout: TEST_TIMEOUT_MS }, async () => {
    const longGreeting = 'Hello there, I am calling about the appointment you booked last week with our clinic.';
    const server = await startFake({ agent: { next: ({ trigger }) => (trigger === 'greeting' ? { say: longGreeting } : { say: 'Sure.' }) } });
    const { transport, log } = await connectPcmuTransport(server);

    transport.requestResponse();
    const firstAudio = await log.waitFor((e) => e.type === 'response.output_audio.delta');
    const mark = log.length;
    sendSpeech(transport, 'Stop please');

    const cancelled = await log.waitFor((e) => e.type === 'response.done' && e.response.id === firstAudio.response_id, mark);
    expect(cancelled.response.status).toBe('cancelled');
    expect(cancelled.response.status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
    const truncated = await log.waitFor((e) => e.type === 'conversation.item.truncated', mark);
    expect(truncated.item_id).toBe(firstAudio.item_id);
    expect(decodeMulaw(log.audioOf(firstAudio.response_id))).toBeUndefined();

    const answer = await log.waitFor((e) => e.type === 'response.done' && e.response.status === 'completed', mark);
    expect(decodeMulaw(log.audioOf(answer.response.id))).toBe('Sure.');
    const stats = server.stats.sessions[0]!;
    expect(stats.responsesCancelled).toBe(1);
    expect(stats.truncationsReceived).toBe(1);
    expect(stats.assistantTranscripts[0]!.length).toBeLessThan(longGreeting.length);
    expect(log.events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('waits responseDelayMs between response.created and the first audio', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake({ responseDelayMs: 300 });
    const { transport, log } = await connectPcmuTransport(server);
    transport.requestResponse();
    await log.waitFor((e) => e.type === 'response.created');
    const createdAt = Date.now();
    await log.waitFor((e) => e.type === 'response.output_audio.delta');
    expect(Date.now() - createdAt).toBeGreaterThanOrEqual(250);
  });

  it('cancels on response.cancel and refuses a cancel with nothing active', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const { transport, log } = await connectPcmuTransport(server);
    transport.requestResponse();
    await log.waitFor((e) => e.type === 'response.output_audio.delta');
    transport.sendEvent({ type: 'response.cancel' });
    const done = await log.waitFor((e) => e.type === 'response.done');
    expect(done.response.status_details).toEqual({ type: 'cancelled', reason: 'client_cancelled' });

    const mark = log.length;
    transport.sendEvent({ type: 'response.cancel', event_id: 'evt_cancel_nothing' });
    const error = await log.waitFor((e) => e.type === 'error', mark);
    expect(error.error).toMatchObject({ code: 'response_cancel_not_active', event_id: 'evt_cancel_nothing' });
  });

  it('refuses a wrong or missing API key with HTTP 401 on the upgrade', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const transport = new OpenAIRealtimeWebSocket({ url: `${server.realtimeUrl}?model=gpt-realtime` });
    transport.on('error', () => {});
    await expect(transport.connect({ apiKey: 'wrong-key' })).rejects.toBeDefined();

    const bare = new WebSocket(`${server.realtimeUrl}?model=gpt-realtime`);
    const [, response] = (await once(bare, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    let body = '';
    for await (const chunk of response) body += chunk;
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    expect(server.stats.connectionsRefused).toBe(2);
    expect(server.stats.connectionsOpened).toBe(0);
  });

  it('answers malformed client messages with error events and keeps the session alive', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const ws = new WebSocket(`${server.realtimeUrl}?model=gpt-realtime`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    cleanups.push(() => ws.terminate());
    const log = new EventLog();
    ws.on('message', (data) => log.push(JSON.parse(String(data))));
    await once(ws, 'open');
    await log.waitFor((e) => e.type === 'session.created');

    ws.send('this is not json');
    ws.send(JSON.stringify({ type: 'bogus.event', event_id: 'e1' }));
    ws.send(JSON.stringify({ type: 'conversation.item.create', event_id: 'e2', item: { type: 'function_call_output', output: 'x' } }));
    ws.send(JSON.stringify({ type: 'session.update', event_id: 'e3', session: { type: 'realtime', audio: { input: { format: 'g711_ulaw' } } } }));
    ws.send(JSON.stringify({ type: 'input_audio_buffer.commit', event_id: 'e4' }));
    ws.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', instructions: 'still alive' } }));

    const updated = await log.waitFor((e) => e.type === 'session.updated');
    expect(updated.session.instructions).toBe('still alive');
    const errors = log.events.filter((e) => e.type === 'error').map((e) => e.error);
    expect(errors.map((e) => [e.code, e.event_id])).toEqual([
      ['invalid_json', null],
      ['invalid_value', 'e1'],
      ['missing_required_parameter', 'e2'],
      ['invalid_value', 'e3'],
      ['input_audio_buffer_commit_empty', 'e4'],
    ]);
    expect(errors[2].param).toBe('item.call_id');
    expect(server.stats.sessions[0]!.errorsSent).toBe(5);
  });

  it('drops the connection abruptly after N responses or after a delay', { timeout: TEST_TIMEOUT_MS }, async () => {
    let server = await startFake({ dropAfterResponses: 1 });
    const first = await connectPcmuTransport(server);
    const disconnected = disconnection(first.transport);
    first.transport.requestResponse();
    await disconnected;
    expect(first.log.events.some((e) => e.type === 'response.done')).toBe(true);
    expect(server.stats.sessions[0]!.closedBy).toBe('fault');
    await server.close();

    server = await startFake({ dropAfterMs: 150 });
    const second = await connectPcmuTransport(server);
    const startedAt = Date.now();
    await disconnection(second.transport);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(server.stats.sessions[0]!.closedBy).toBe('fault');
  });

  it('serves a Twilio call through TwilioRealtimeTransportLayer (μ-law both ways)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const bridge = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(bridge, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => bridge.close(() => resolve())));
    const bridgeSocket = once(bridge, 'connection');
    const twilio = new WebSocket(`ws://127.0.0.1:${(bridge.address() as AddressInfo).port}`);
    cleanups.push(() => twilio.terminate());
    const [twilioSide] = (await bridgeSocket) as [WebSocket];

    const playedToCallee: Buffer[] = [];
    twilio.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.event === 'media') playedToCallee.push(Buffer.from(message.media.payload, 'base64'));
    });

    const transport = new TwilioRealtimeTransportLayer({ twilioWebSocket: twilioSide, url: `${server.realtimeUrl}?model=gpt-realtime` });
    // RealtimeSession 0.20 seeds its config with 24 kHz PCM, so the Twilio transport's μ-law
    // fallback never applies: without this the real API would stream PCM into the phone call.
    const session = new RealtimeSession(new RealtimeAgent({ name: 'Caller', instructions: INSTRUCTIONS }), {
      transport,
      config: { audio: { input: { format: PCMU }, output: { format: PCMU } } },
    });
    const log = new EventLog();
    session.on('transport_event', (event) => log.push(event as WireEvent));
    await session.connect({ apiKey: API_KEY });
    cleanups.push(() => session.close());

    const streamSid = 'MZ00000000000000000000000000000000';
    twilio.send(JSON.stringify({ event: 'connected', protocol: 'Call', version: '1.0.0' }));
    twilio.send(
      JSON.stringify({
        event: 'start',
        sequenceNumber: '1',
        streamSid,
        start: { streamSid, callSid: 'CA0', tracks: ['inbound'], customParameters: {}, mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 } },
      }),
    );
    await log.waitFor((e) => e.type === 'session.updated');
    expect(server.stats.sessions[0]!.inputFormat).toEqual(PCMU);

    calleeFrames('Who is calling?').forEach((frame, i) => {
      twilio.send(
        JSON.stringify({
          event: 'media',
          sequenceNumber: String(i + 2),
          streamSid,
          media: { track: 'inbound', chunk: String(i + 1), timestamp: String(i * 20), payload: Buffer.from(frame).toString('base64') },
        }),
      );
    });
    const reply = await log.waitFor((e) => e.type === 'response.done');
    const expected = 'You said "Who is calling?". Could you tell me more?';
    const heardByCallee = await eventually(() => decodeMulaw(Buffer.concat(playedToCallee)), (text) => text === expected);
    expect(heardByCallee).toBe(expected);
    expect(reply.response.status).toBe('completed');
    expect(log.events.filter((e) => e.type === 'error')).toEqual([]);
  });
});

describe('fake OpenAI REST, driven by the openai package', () => {
  const transcriptMessages = [
    { role: 'system' as const, content: 'Summarize this phone call.' },
    { role: 'user' as const, content: 'assistant: Hi, this is Ava.\nuser: Not really, I am driving\nassistant: Goodbye!' },
  ];

  it('never credits the agent with what the callee said when the callee said nothing', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const client = new OpenAI({ apiKey: API_KEY, baseURL: server.baseUrl, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: 'gpt-4.1-mini',
      messages: [
        { role: 'system', content: 'Summarize this phone call.' },
        { role: 'user', content: 'Agent: Hi, this is Ava from Northwind Dental.\nAgent: Goodbye!' },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('The assistant spoke with the callee. The callee said nothing.');
  });

  it('returns a summary quoting the callee, and schema-valid JSON for structured outputs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const client = new OpenAI({ apiKey: API_KEY, baseURL: server.baseUrl, maxRetries: 0 });

    const completion = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: transcriptMessages });
    expect(completion.choices[0]?.message.content).toBe('The assistant spoke with the callee. The callee said: "Not really, I am driving".');

    const Analysis = z.object({
      summary: z.string(),
      sentiment: z.enum(['positive', 'neutral', 'negative']),
      callbackRequested: z.boolean(),
      score: z.number().min(1),
      topics: z.array(z.string()),
      nextStep: z.object({ action: z.string(), when: z.string().nullable() }),
    });
    const parsed = await client.chat.completions.parse({
      model: 'gpt-4.1-mini',
      messages: transcriptMessages,
      response_format: zodResponseFormat(Analysis, 'analysis'),
    });
    const analysis = parsed.choices[0]?.message.parsed;
    expect(Analysis.parse(analysis)).toEqual(analysis);
    expect(analysis?.summary).toContain('Not really, I am driving');
    expect(analysis?.sentiment).toBe('positive');
    expect(analysis?.score).toBe(1);

    const response = await client.responses.create({ model: 'gpt-4.1-mini', instructions: 'Summarize.', input: transcriptMessages[1]!.content });
    expect(response.output_text).toContain('Not really, I am driving');
    expect(server.stats.summaryRequests).toBe(3);
  });

  it('answers a wrong API key with a 401 invalid_api_key error', { timeout: TEST_TIMEOUT_MS }, async () => {
    const server = await startFake();
    const client = new OpenAI({ apiKey: 'wrong-key', baseURL: server.baseUrl, maxRetries: 0 });
    const failure = await client.chat.completions.create({ model: 'gpt-4.1-mini', messages: transcriptMessages }).catch((error) => error);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect(failure).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect(server.stats.summaryRequests).toBe(0);
  });
});
