import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startTwilioSimulator, VOICEMAIL_GREETING, type TwilioSimulator } from '../local/twilio-sim/index';
import { decodeVoiceCode, encodeVoiceCode, voiceCodeDurationMs } from '../local/audio/voice-code';
import { mulawToPcm16, pcm16ToMulaw } from '../media-service/audio/mulaw';

const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
const AUTH_TOKEN = 'sim-auth-token';
const TO = '+15005550006';
const FROM = '+15005550001';

// ---------- helpers: the app's side of the wire ----------

function sdkClient(sim: TwilioSimulator, authToken = AUTH_TOKEN) {
  class SimRequestClient extends twilio.RequestClient {
    override request<T>(opts: RequestClient.RequestOptions<T>) {
      return super.request({ ...opts, uri: opts.uri.replace('https://api.twilio.com', sim.apiUrl) });
    }
  }
  return twilio(ACCOUNT_SID, authToken, { httpClient: new SimRequestClient() });
}

interface Hit {
  path: string;
  params: Record<string, string>;
  signatureValid: boolean;
  headers: Record<string, string | string[] | undefined>;
  at: number;
}

type AppRoute = (params: Record<string, string>) => { status?: number; type?: string; body?: string };

/** A tiny stand-in for the app's webhook endpoints; checks every signature with twilio's validateRequest. */
async function startApp(routes: Record<string, AppRoute>) {
  const hits: Hit[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString()));
    const url = `http://127.0.0.1:${port}${req.url}`;
    const signature = String(req.headers['x-twilio-signature'] ?? '');
    const path = (req.url ?? '').split('?')[0] ?? '';
    hits.push({ path, params, signatureValid: twilio.validateRequest(AUTH_TOKEN, signature, url, params), headers: req.headers, at: Date.now() });
    const reply = routes[path]?.(params) ?? { status: 204 };
    res.writeHead(reply.status ?? 200, reply.type ? { 'Content-Type': reply.type } : {});
    res.end(reply.body ?? '');
  });
  const port = await listen(server);
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    hits,
    close: () => closeServer(server),
  };
}

interface MediaConnection {
  socket: WebSocket;
  url: string;
  signature: string;
  received: Array<{ at: number; message: Record<string, any> }>;
  inboundAudio: Buffer[];
  streamSid?: string;
  closed: Promise<void>;
  send(message: object): void;
  next(event: string, timeoutMs?: number): Promise<Record<string, any>>;
}

/** A tiny media service: accepts Twilio's Media Stream and lets each test drive it. */
async function startMediaServer(onConnection: (connection: MediaConnection) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  const connections: MediaConnection[] = [];
  wss.on('connection', (socket, req) => {
    const received: MediaConnection['received'] = [];
    const connection: MediaConnection = {
      socket,
      url: `ws://127.0.0.1:${port}${req.url}`,
      signature: String(req.headers['x-twilio-signature'] ?? ''),
      received,
      inboundAudio: [],
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
      send: (message) => socket.send(JSON.stringify(message)),
      next(event, timeoutMs = 5_000) {
        const seen = received.length;
        return waitUntil(() => received.slice(seen).find((r) => r.message.event === event)?.message, timeoutMs);
      },
    };
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if (message.event === 'start') connection.streamSid = message.streamSid;
      if (message.event === 'media') connection.inboundAudio.push(Buffer.from(message.media.payload, 'base64'));
      received.push({ at: Date.now(), message });
    });
    connections.push(connection);
    onConnection(connection);
  });
  return {
    url: (path: string) => `ws://127.0.0.1:${port}${path}`,
    connections,
    close: () => new Promise<void>((resolve) => {
      for (const client of wss.clients) client.terminate();
      wss.close(() => resolve());
    }),
  };
}

function waitUntil<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => {
      const value = probe();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error('timed out waiting'));
      setTimeout(check, 5);
    };
    check();
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await closeServer(server);
  return port;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

const voice = (text: string) => Buffer.from(pcm16ToMulaw(encodeVoiceCode(text, 8000)));
const heardIn = (audio: Buffer[]) => decodeVoiceCode(mulawToPcm16(Buffer.concat(audio)));
const streamTwiml = (url: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="${url}">` +
  `<Parameter name="callId" value="call-42"/><Parameter name="lang" value="en"/></Stream></Connect>${extra}</Response>`;

// ---------- tests ----------

let sim: TwilioSimulator;
const cleanups: Array<() => Promise<void>> = [];

beforeEach(async () => {
  sim = await startTwilioSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
});

afterEach(async () => {
  await sim.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('REST API through the real twilio SDK', () => {
  it('creates a call and answers a 201 the SDK parses', async () => {
    // Prepare
    sim.setBehaviour('*', { kind: 'busy' });
    const client = sdkClient(sim);
    // Act
    const call = await client.calls.create({ to: TO, from: FROM, twiml: '<Response><Hangup/></Response>' });
    const fetched = await client.calls(call.sid).fetch();
    // Assess
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe('queued');
    expect(call.direction).toBe('outbound-api');
    expect(call.to).toBe(TO);
    expect(call.from).toBe(FROM);
    expect(call.accountSid).toBe(ACCOUNT_SID);
    expect(call.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(call.dateCreated.getTime())).toBe(false);
    expect(call.uri).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${call.sid}.json`);
    expect(fetched.sid).toBe(call.sid);
    expect(sim.calls.map((c) => c.sid)).toEqual([call.sid]);
    const ended = await sim.waitForCall(call.sid, 'ended');
    expect(ended.status).toBe('busy');
    expect((await client.calls(call.sid).fetch()).status).toBe('busy');
  });

  it('rejects bad credentials with 20003, missing instructions with 21205, unknown sids with 20404', async () => {
    const bad = sdkClient(sim, 'wrong-token');
    const good = sdkClient(sim);
    await expect(bad.calls.create({ to: TO, from: FROM, url: 'http://127.0.0.1:1/twiml' })).rejects.toMatchObject({
      status: 401,
      code: 20003,
    });
    await expect(good.calls.create({ to: TO, from: FROM })).rejects.toMatchObject({ status: 400, code: 21205 });
    await expect(good.calls('CA' + '0'.repeat(32)).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(good.calls('CA' + '0'.repeat(32)).update({ status: 'completed' })).rejects.toMatchObject({ code: 20404 });
    expect(sim.calls).toHaveLength(0);
    expect(sim.requests.map((r) => r.errorCode)).toEqual([20003, 21205, 20404, 20404]);
  });

  it('injects create faults and latency from the behaviour of the destination', async () => {
    sim.setBehaviour(TO, { kind: 'answer', createError: { status: 429, code: 20429, message: 'Too Many Requests' } });
    sim.setBehaviour('+15005550009', { kind: 'busy', createDelayMs: 300 });
    const client = sdkClient(sim);
    await expect(client.calls.create({ to: TO, from: FROM, twiml: '<Response/>' })).rejects.toMatchObject({
      status: 429,
      code: 20429,
      message: 'Too Many Requests',
    });
    const started = Date.now();
    await client.calls.create({ to: '+15005550009', from: FROM, twiml: '<Response/>' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sim.calls).toHaveLength(1);
  });

  it('stores SMS created via Messages.json', async () => {
    const app = await startApp({});
    cleanups.push(app.close);
    const client = sdkClient(sim);
    const message = await client.messages.create({ to: TO, from: FROM, body: 'Your call summary', statusCallback: app.url('/sms') });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message.status).toBe('queued');
    expect(message.body).toBe('Your call summary');
    expect(sim.messages).toMatchObject([{ sid: message.sid, to: TO, from: FROM, body: 'Your call summary' }]);
    await waitUntil(() => (app.hits.length === 2 ? true : undefined), 2_000);
    expect(app.hits.map((h) => [h.params.MessageStatus, h.signatureValid])).toEqual([
      ['sent', true],
      ['delivered', true],
    ]);
    await expect(client.messages.create({ to: TO, from: FROM })).rejects.toMatchObject({ code: 21602 });
  });
});

describe('status callbacks', () => {
  it('posts signed callbacks with increasing SequenceNumbers for the subscribed events', async () => {
    sim.setBehaviour('*', { kind: 'answer', ringMs: 30 });
    const app = await startApp({});
    cleanups.push(app.close);
    const client = sdkClient(sim);
    const call = await client.calls.create({
      to: TO,
      from: FROM,
      twiml: '<Response><Say>Hello</Say><Hangup/></Response>',
      statusCallback: app.url('/status?tenant=t1'),
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    const ended = await sim.waitForCall(call.sid, 'ended');

    expect(app.hits.map((h) => h.params.CallStatus)).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(app.hits.map((h) => h.params.SequenceNumber)).toEqual(['0', '1', '2', '3']);
    expect(app.hits.every((h) => h.signatureValid)).toBe(true);
    expect(app.hits.every((h) => h.path === '/status')).toBe(true);
    const completed = app.hits[3]?.params ?? {};
    expect(completed).toMatchObject({
      CallSid: call.sid,
      AccountSid: ACCOUNT_SID,
      From: FROM,
      To: TO,
      Caller: FROM,
      Called: TO,
      Direction: 'outbound-api',
      ApiVersion: '2010-04-01',
      CallbackSource: 'call-progress-events',
      CallDuration: '1',
      SipResponseCode: '200',
    });
    expect(completed.Timestamp).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(ended.statusCallbacks.map((d) => d.responseStatus)).toEqual([204, 204, 204, 204]);
    expect(ended.twiml[0]?.executed.map((v) => v.verb)).toEqual(['Say', 'Hangup']);
  });

  it('sends only completed by default, with the SIP code of a busy line', async () => {
    sim.setBehaviour(TO, { kind: 'busy', ringMs: 10 });
    const app = await startApp({});
    cleanups.push(app.close);
    const call = await sdkClient(sim).calls.create({ to: TO, from: FROM, url: app.url('/twiml'), statusCallback: app.url('/status') });
    await sim.waitForCall(call.sid, 'ended');
    expect(app.hits.map((h) => [h.path, h.params.CallStatus, h.params.SipResponseCode, h.params.CallDuration])).toEqual([
      ['/status', 'busy', '486', '0'],
    ]);
  });

  it('duplicates and reorders callbacks when told to; SequenceNumber keeps the true order', async () => {
    sim.setBehaviour('*', { kind: 'no-answer', ringMs: 20, duplicateCallbacks: true, reorderCallbacks: true });
    const app = await startApp({});
    cleanups.push(app.close);
    const call = await sdkClient(sim).calls.create({
      to: TO,
      from: FROM,
      url: app.url('/twiml'),
      statusCallback: app.url('/status'),
      statusCallbackEvent: ['initiated', 'ringing', 'completed'],
    });
    const ended = await sim.waitForCall(call.sid, 'ended');
    expect(app.hits.map((h) => `${h.params.SequenceNumber}:${h.params.CallStatus}`)).toEqual([
      '1:ringing',
      '1:ringing',
      '0:initiated',
      '0:initiated',
      '2:no-answer',
      '2:no-answer',
    ]);
    expect(app.hits.find((h) => h.params.CallStatus === 'no-answer')?.params.SipResponseCode).toBe('487');
    expect(ended.statusCallbacks.filter((d) => d.duplicate)).toHaveLength(3);
    const tokens = app.hits.map((h) => h.headers['i-twilio-idempotency-token']);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[0]).not.toBe(tokens[2]);
  });

  it('records the app failing (5xx, refused) and carries on', async () => {
    const app = await startApp({ '/twiml': () => ({ status: 500, body: 'boom' }) });
    cleanups.push(app.close);
    const closedPort = await freePort();
    const call = await sdkClient(sim).calls.create({
      to: TO,
      from: FROM,
      url: app.url('/twiml'),
      statusCallback: `http://127.0.0.1:${closedPort}/status`,
    });
    const ended = await sim.waitForCall(call.sid, 'ended');
    expect(ended.status).toBe('completed');
    expect(ended.twiml[0]?.error).toMatchObject({ code: 11200 });
    expect(ended.twiml[0]?.fetch?.responseStatus).toBe(500);
    expect(ended.statusCallbacks.map((d) => d.error)).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
    expect(app.hits[0]).toMatchObject({ path: '/twiml', signatureValid: true });
    expect(app.hits[0]?.params).toMatchObject({ CallSid: call.sid, CallStatus: 'in-progress', Direction: 'outbound-api' });
  });
});

describe('Media Stream: the simulated callee', () => {
  it.each([1, 4])('connects with a valid signature, sends connected/start with customParameters and media paced at 20 ms / timeScale %d', async (timeScale) => {
    const FRAMES = 50;
    await sim.close();
    sim = await startTwilioSimulator({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, timeScale });
    const media = await startMediaServer(() => undefined);
    cleanups.push(media.close);
    const streamUrl = media.url('/media-stream');
    const app = await startApp({
      '/twiml': () => ({ type: 'text/xml', body: streamTwiml(streamUrl, '<Say>Goodbye</Say>') }),
    });
    cleanups.push(app.close);

    const call = await sdkClient(sim).calls.create({ to: TO, from: FROM, url: app.url('/twiml') });
    await sim.waitForCall(call.sid, 'streaming');
    const connection = await waitUntil(() => media.connections[0], 2_000);
    await waitUntil(() => (connection.received.filter((r) => r.message.event === 'media').length >= FRAMES ? true : undefined), 10_000);
    connection.socket.close(1000);
    const ended = await sim.waitForCall(call.sid, 'ended');

    expect(twilio.validateRequest(AUTH_TOKEN, connection.signature, streamUrl, {})).toBe(true);
    const [connected, start, ...rest] = connection.received.map((r) => r.message);
    expect(connected).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(start).toMatchObject({
      event: 'start',
      sequenceNumber: '1',
      streamSid: expect.stringMatching(/^MZ[0-9a-f]{32}$/),
      start: {
        callSid: call.sid,
        accountSid: ACCOUNT_SID,
        tracks: ['inbound'],
        customParameters: { callId: 'call-42', lang: 'en' },
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    const frames = connection.received.filter((r) => r.message.event === 'media');
    expect(rest.every((m) => m.event === 'media')).toBe(true);
    expect(frames.length).toBeGreaterThanOrEqual(FRAMES);
    frames.forEach(({ message }, index) => {
      expect(message.media.chunk).toBe(String(index + 1));
      expect(message.media.timestamp).toBe(String(index * 20));
      expect(message.media.track).toBe('inbound');
      expect(message.sequenceNumber).toBe(String(index + 2));
      expect(Buffer.from(message.media.payload, 'base64')).toEqual(Buffer.alloc(160, 0xff));
    });
    // Never faster than the pace (a busy machine can only make it slower).
    const spanMs = (frames.at(-1)?.at ?? 0) - (frames[0]?.at ?? 0);
    expect(spanMs).toBeGreaterThan(((frames.length - 1) * 20) / timeScale - 60);

    expect(ended.status).toBe('completed');
    expect(ended.duration).toBeGreaterThanOrEqual(1);
    expect(ended.streams[0]).toMatchObject({ endReason: 'server-closed', closeCode: 1000, framesSent: frames.length });
    expect(ended.twiml[0]?.executed.map((v) => v.verb)).toEqual(['Connect', 'Say']);
  });

  it('hears the agent, answers in voice code, echoes marks after playback and hangs up after the last turn', async () => {
    const greeting = 'Hi Ann';
    const media = await startMediaServer((connection) => {
      void (async () => {
        await connection.next('start');
        connection.send({ event: 'media', streamSid: connection.streamSid, media: { payload: voice(greeting).toString('base64') } });
        connection.send({ event: 'mark', streamSid: connection.streamSid, mark: { name: 'greeting' } });
        const reply = await waitUntil(() => heardIn(connection.inboundAudio), 5_000);
        connection.send({ event: 'media', streamSid: connection.streamSid, media: { payload: voice(`ok ${reply}`).toString('base64') } });
      })();
    });
    cleanups.push(media.close);
    const app = await startApp({ '/twiml': () => ({ type: 'text/xml', body: streamTwiml(media.url('/s')) }) });
    cleanups.push(app.close);
    sim.setBehaviour(TO, { kind: 'answer', ringMs: 10, callee: { utterances: ['Yes'], dtmf: [{ afterUtterance: 0, digits: '4#' }] } });

    const call = await sdkClient(sim).calls.create({ to: TO, from: FROM, url: app.url('/twiml') });
    const ended = await sim.waitForCall(call.sid, 'ended');
    const connection = media.connections[0];
    if (!connection) throw new Error('no stream');
    await connection.closed;

    const stream = ended.streams[0];
    expect(stream?.heard).toEqual([greeting, 'ok Yes']);
    expect(stream?.said).toEqual(['Yes']);
    expect(stream?.marksEchoed).toEqual(['greeting']);
    expect(stream?.endReason).toBe('callee-hangup');
    const events = connection.received.map((r) => r.message);
    expect(events.at(-1)).toMatchObject({ event: 'stop', stop: { callSid: call.sid, accountSid: ACCOUNT_SID } });
    const startAt = connection.received.find((r) => r.message.event === 'start')?.at ?? 0;
    const markAt = connection.received.find((r) => r.message.event === 'mark')?.at ?? 0;
    expect(markAt - startAt).toBeGreaterThanOrEqual(voiceCodeDurationMs(greeting) - 20);
    expect(events.filter((m) => m.event === 'dtmf').map((m) => m.dtmf)).toEqual([
      { track: 'inbound_track', digit: '4' },
      { track: 'inbound_track', digit: '#' },
    ]);
    expect(ended.status).toBe('completed');
  }, 10_000);

  it('barges in while the agent is talking when the script says so', async () => {
    const media = await startMediaServer((connection) => {
      void (async () => {
        await connection.next('start');
        connection.send({ event: 'media', streamSid: connection.streamSid, media: { payload: voice('this is a rather long agent monologue').toString('base64') } });
        connection.send({ event: 'mark', streamSid: connection.streamSid, mark: { name: 'monologue' } });
        await waitUntil(() => heardIn(connection.inboundAudio), 5_000);
        connection.send({ event: 'clear', streamSid: connection.streamSid });
        connection.send({ event: 'media', streamSid: connection.streamSid, media: { payload: voice('Sure').toString('base64') } });
      })();
    });
    cleanups.push(media.close);
    const app = await startApp({ '/twiml': () => ({ type: 'text/xml', body: streamTwiml(media.url('/s')) }) });
    cleanups.push(app.close);
    sim.setBehaviour(TO, { kind: 'answer', ringMs: 10, callee: { utterances: ['Wait'], bargeIn: true } });

    const call = await sdkClient(sim).calls.create({ to: TO, from: FROM, url: app.url('/twiml') });
    const ended = await sim.waitForCall(call.sid, 'ended');

    const stream = ended.streams[0];
    expect(stream?.said).toEqual(['Wait']);
    expect(stream?.heard).toEqual(['[interrupted]', 'Sure']);
    expect(stream?.marksEchoed).toEqual(['monologue']);
    const saidAt = ended.log.find((entry) => entry.event === 'callee-said')?.at ?? 0;
    expect(saidAt - (stream?.startedAt ?? 0)).toBeLessThan(voiceCodeDurationMs('this is a rather long agent monologue') / 2);
    expect(stream?.endReason).toBe('callee-hangup');
  }, 10_000);

  it('speaks first when the agent stays silent for answerSilenceMs', async () => {
    const media = await startMediaServer((connection) => {
      void (async () => {
        const hello = await waitUntil(() => heardIn(connection.inboundAudio), 5_000);
        connection.send({ event: 'media', streamSid: connection.streamSid, media: { payload: voice(`${hello} yes`).toString('base64') } });
      })();
    });
    cleanups.push(media.close);
    const app = await startApp({ '/twiml': () => ({ type: 'text/xml', body: streamTwiml(media.url('/s')) }) });
    cleanups.push(app.close);
    sim.setBehaviour(TO, { kind: 'answer', ringMs: 10, callee: { utterances: ['Hello?'], answerSilenceMs: 300 } });

    const call = await sdkClient(sim).calls.create({ to: TO, from: FROM, url: app.url('/twiml') });
    const ended = await sim.waitForCall(call.sid, 'ended');

    expect(ended.streams[0]?.said).toEqual(['Hello?']);
    expect(ended.streams[0]?.heard).toEqual(['Hello? yes']);
    expect(ended.streams[0]?.endReason).toBe('callee-hangup');
  }, 10_000);

  it('honours clear: drops queued audio and echoes pending marks at once', async () => {
    const media = await startMediaServer((connection) => {
      void (async () => {
        await connection.next('start');
        connection.send({ event: 'media', streamSid: connection.streamSid, media: { payload: voice('a long agent sentence').toString('base64') } });
        connection.send({ event: 'mark', streamSid: connection.streamSid, mark: { name: 'm1' } });
        connection.send({ event: 'mark', streamSid: connection.streamSid, mark: { name: 'm2' } });
        await new Promise((resolve) => setTimeout(resolve, 200));
        connection.send({ event: 'clear', streamSid: connection.streamSid });
        connection.send({ event: 'hello', streamSid: connection.streamSid });
        connection.send({ event: 'mark', streamSid: 'MZwrong', mark: { name: 'x' } });
      })();
    });
    cleanups.push(media.close);
    const app = await startApp({ '/twiml': () => ({ type: 'application/xml', body: streamTwiml(media.url('/s')) }) });
    cleanups.push(app.close);
    sim.setBehaviour(TO, { kind: 'answer', ringMs: 10, callee: { utterances: [], hangUpAfterAgentTurns: 1 } });

    const call = await sdkClient(sim).calls.create({ to: TO, from: FROM, url: app.url('/twiml') });
    await sim.waitForCall(call.sid, 'streaming');
    const connection = await waitUntil(() => media.connections[0], 2_000);
    const clearSentAt = Date.now();
    const firstEcho = await connection.next('mark', 3_000);
    expect(Date.now() - clearSentAt).toBeLessThan(voiceCodeDurationMs('a long agent sentence'));
    const ended = await sim.waitForCall(call.sid, 'ended');

    expect(firstEcho.mark.name).toBe('m1');
    const stream = ended.streams[0];
    expect(stream?.marksEchoed).toEqual(['m1', 'm2']);
    expect(stream?.clearsReceived).toBe(1);
    expect(stream?.heard).toEqual(['[interrupted]']);
    expect(stream?.protocolErrors.map((e) => e.code)).toEqual([31951, 31951]);
    expect(stream?.endReason).toBe('callee-hangup');
  }, 10_000);

  it('ends the stream with stop on a REST hang-up, and redirects to new TwiML (<Dial> transfer)', async () => {
    const media = await startMediaServer(() => undefined);
    cleanups.push(media.close);
    const app = await startApp({ '/twiml': () => ({ type: 'text/xml', body: streamTwiml(media.url('/s')) }) });
    cleanups.push(app.close);
    sim.setBehaviour('*', { kind: 'answer', ringMs: 10 });
    const client = sdkClient(sim);

    const first = await client.calls.create({ to: TO, from: FROM, url: app.url('/twiml') });
    await sim.waitForCall(first.sid, 'streaming');
    const hungUp = await client.calls(first.sid).update({ status: 'completed' });
    const firstEnded = await sim.waitForCall(first.sid, 'ended');
    expect(hungUp.sid).toBe(first.sid);
    expect(firstEnded.status).toBe('completed');
    expect(firstEnded.streams[0]?.endReason).toBe('twilio-stopped');
    expect(firstEnded.updates).toMatchObject([{ outcome: 'hangup', responseStatus: 200 }]);
    expect(media.connections[0]?.received.at(-1)?.message.event).toBe('stop');

    const second = await client.calls.create({ to: TO, from: FROM, url: app.url('/twiml') });
    await sim.waitForCall(second.sid, 'streaming');
    await client.calls(second.sid).update({ twiml: '<Response><Say>Transferring you</Say><Dial>+15005550100</Dial></Response>' });
    const secondEnded = await sim.waitForCall(second.sid, 'ended');
    expect(secondEnded.dialed).toEqual(['+15005550100']);
    expect(secondEnded.twiml.map((d) => d.source)).toEqual(['url', 'update-twiml']);
    expect(secondEnded.twiml[1]?.executed.map((v) => v.verb)).toEqual(['Say', 'Dial']);
    expect(media.connections[1]?.received.at(-1)?.message.event).toBe('stop');
    await expect(client.calls(second.sid).update({ twiml: '<Response/>' })).rejects.toMatchObject({ code: 21220 });
  }, 10_000);

  it('plays a voicemail greeting and beep on the stream for a machine detected at its start (Enable)', async () => {
    const media = await startMediaServer(() => undefined);
    cleanups.push(media.close);
    const app = await startApp({ '/twiml': () => ({ type: 'text/xml', body: streamTwiml(media.url('/vm')) }) });
    cleanups.push(app.close);
    sim.setBehaviour(TO, { kind: 'machine', ringMs: 10 });
    const client = sdkClient(sim);

    const call = await client.calls.create({ to: TO, from: FROM, url: app.url('/twiml'), machineDetection: 'Enable' });
    await sim.waitForCall(call.sid, 'streaming');
    const connection = await waitUntil(() => media.connections[0], 2_000);
    const greeting = await waitUntil(() => heardIn(connection.inboundAudio), voiceCodeDurationMs(VOICEMAIL_GREETING) + 1_500);
    await client.calls(call.sid).update({ status: 'completed' });
    const ended = await sim.waitForCall(call.sid, 'ended');

    expect(greeting).toBe(VOICEMAIL_GREETING);
    expect(app.hits[0]?.params.AnsweredBy).toBe('machine_start');
    expect(ended.answeredBy).toBe('machine_start');
    expect(ended.streams[0]?.said[0]).toBe(VOICEMAIL_GREETING);
    expect(ended.voicemail).toBeUndefined();
  }, 10_000);

  it('with DetectMessageEnd, fetches the TwiML only after greeting and beep, and records what is said after the beep', async () => {
    const app = await startApp({
      '/twiml': () => ({ type: 'text/xml', body: '<Response><Say>Hi Sam, please call us back.</Say><Hangup/></Response>' }),
    });
    cleanups.push(app.close);
    sim.setBehaviour(TO, { kind: 'machine', ringMs: 10 });
    const client = sdkClient(sim);

    const call = await client.calls.create({ to: TO, from: FROM, url: app.url('/twiml'), machineDetection: 'DetectMessageEnd' });
    const answered = await sim.waitForCall(call.sid, 'answered');
    const ended = await sim.waitForCall(call.sid, 'ended');

    const fetchedAt = app.hits.find((hit) => hit.path === '/twiml')!.at;
    expect(fetchedAt - answered.answeredAt!).toBeGreaterThanOrEqual(voiceCodeDurationMs(VOICEMAIL_GREETING));
    expect(ended.voicemail!.beepAt).toBeLessThanOrEqual(fetchedAt);
    expect(app.hits[0]?.params.AnsweredBy).toBe('machine_end_beep');
    expect(ended.voicemail!.recorded).toEqual(['Hi Sam, please call us back.']);
    expect(ended.streams).toHaveLength(0);
    expect(ended.status).toBe('completed');
  }, 10_000);
});
