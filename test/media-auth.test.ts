import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../local/stack';
import { POLICY_VIOLATION } from '../media-service/call-bridge';
import { providerFactory } from '../media-service/providers';
import { startMediaService } from '../media-service/server';
import { callWithOwnStreamToken, openRawStream, sendJson, startMessage } from './support/raw-stream';
import { getCall, initiate, postSignedForm, sleep, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ media: { startTimeoutMs: 1_000 } });
});
afterAll(async () => {
  await stack?.close();
});

const modelConnections = () => stack.fakes.openai!.stats.connectionsOpened;

describe('forged or broken media streams are refused before any model session', () => {
  it('no signature: the upgrade is refused with 403', async () => {
    const { callbackId } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    expect(await openRawStream(stack, callbackId, 'none').refused).toBe(403);
    expect(modelConnections()).toBe(before);
  });

  it('a wrong signature: the upgrade is refused with 403', async () => {
    const { callbackId } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    expect(await openRawStream(stack, callbackId, 'c2lnbmVkIGJ5IHNvbWVib2R5IGVsc2U=').refused).toBe(403);
    expect(modelConnections()).toBe(before);
  });

  it('an unknown callbackId: the upgrade is refused with 404', async () => {
    const before = modelConnections();
    expect(await openRawStream(stack, 'no-such-call').refused).toBe(404);
    expect(modelConnections()).toBe(before);
  });

  it('a start without the token, or with a wrong one: closed with 1008', async () => {
    const { callbackId, callSid } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    for (const token of [undefined, 'not-the-token']) {
      const stream = openRawStream(stack, callbackId);
      await stream.refused;
      sendJson(stream.ws, { event: 'connected', protocol: 'Call', version: '1.0.0' });
      sendJson(stream.ws, startMessage(callbackId, token, callSid));
      expect((await stream.closed).code).toBe(POLICY_VIOLATION);
    }
    expect(modelConnections()).toBe(before);
  });

  it('a start naming another call: closed with 1008', async () => {
    const mine = await callWithOwnStreamToken(stack);
    const other = await callWithOwnStreamToken(stack);
    const stream = openRawStream(stack, mine.callbackId);
    await stream.refused;
    sendJson(stream.ws, startMessage(other.callbackId, other.token, other.callSid));
    expect((await stream.closed).code).toBe(POLICY_VIOLATION);
  });

  it("a valid token with another call's CallSid: closed with 1008, the token stays good for the real stream", async () => {
    const mine = await callWithOwnStreamToken(stack);
    const victim = await callWithOwnStreamToken(stack);
    const forged = openRawStream(stack, mine.callbackId);
    await forged.refused;
    sendJson(forged.ws, startMessage(mine.callbackId, mine.token, victim.callSid));
    expect((await forged.closed).code).toBe(POLICY_VIOLATION);
    expect((await getCall(stack, victim.callbackId)).body.call.status).not.toBe('completed');

    const real = openRawStream(stack, mine.callbackId);
    await real.refused;
    sendJson(real.ws, startMessage(mine.callbackId, mine.token, mine.callSid));
    await waitUntil(() => real.received.some((m) => m.event === 'media'));
    expect((await getCall(stack, mine.callbackId)).body.call.callSid).toBe(mine.callSid);
    real.ws.close();
  });

  it('caller audio sent before the start is not held for the model', async () => {
    const { callbackId, token, callSid } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    const frame = Buffer.alloc(160, 0x7f).toString('base64');
    for (let i = 0; i < 50; i++) sendJson(stream.ws, { event: 'media', media: { payload: frame, timestamp: i * 20 } });
    sendJson(stream.ws, startMessage(callbackId, token, callSid));
    // The greeting is requested after held audio is flushed: once it plays, anything held has reached the model.
    await waitUntil(() => stream.received.some((m) => m.event === 'media'));
    expect(modelConnections()).toBe(before + 1);
    expect(stack.fakes.openai!.stats.sessions[before]!.audioBytesReceived).toBe(0);
    stream.ws.close();
  });

  it('caller audio right behind the start is held while its token is checked, and all of it reaches the model', async () => {
    const { callbackId, token, callSid } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    const frame = Buffer.alloc(160, 0x7f).toString('base64');
    // As Twilio does: the start, then audio every 20 ms, without waiting for anything.
    sendJson(stream.ws, startMessage(callbackId, token, callSid));
    for (let i = 0; i < 50; i++) sendJson(stream.ws, { event: 'media', media: { payload: frame, timestamp: String(i * 20) } });
    await waitUntil(() => stream.received.some((m) => m.event === 'media'));
    expect(modelConnections()).toBe(before + 1);
    expect(stack.fakes.openai!.stats.sessions[before]!.audioBytesReceived).toBe(50 * 160);
    stream.ws.close();
  });

  it('caller audio behind a refused start is never sent anywhere', async () => {
    const { callbackId, callSid } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    const frame = Buffer.alloc(160, 0x7f).toString('base64');
    sendJson(stream.ws, startMessage(callbackId, 'not-the-token', callSid));
    for (let i = 0; i < 50; i++) sendJson(stream.ws, { event: 'media', media: { payload: frame, timestamp: String(i * 20) } });
    expect((await stream.closed).code).toBe(POLICY_VIOLATION);
    expect(modelConnections()).toBe(before);
  });

  it('no start in time: closed with 1008', async () => {
    const { callbackId } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    sendJson(stream.ws, { event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect((await stream.closed).code).toBe(POLICY_VIOLATION);
    expect(modelConnections()).toBe(before);
  });

  it('a replayed token: the first stream is accepted; a second socket opened before the start is closed with 1008, one after it is refused with 410', async () => {
    const { callbackId, token, callSid } = await callWithOwnStreamToken(stack);
    const early = openRawStream(stack, callbackId);
    expect(await early.refused).toBeUndefined();
    const first = openRawStream(stack, callbackId);
    await first.refused;
    sendJson(first.ws, startMessage(callbackId, token, callSid));
    await waitUntil(() => first.received.some((m) => m.event === 'media'));
    const connectionsAfterFirst = modelConnections();

    sendJson(early.ws, startMessage(callbackId, token, callSid));
    expect((await early.closed).code).toBe(POLICY_VIOLATION);
    expect(await openRawStream(stack, callbackId).refused).toBe(410);
    expect(modelConnections()).toBe(connectionsAfterFirst);
    first.ws.close();
  });

  it('an expired token: the upgrade is refused with 410; a token that expires after the upgrade: closed with 1008', async () => {
    const late = await callWithOwnStreamToken(stack);
    const stream = openRawStream(stack, late.callbackId);
    await stream.refused;
    await stack.deps.store.mutate(late.callbackId, () => ({ streamTokenExpiresAt: Date.now() - 1 }));
    sendJson(stream.ws, startMessage(late.callbackId, late.token, late.callSid));
    expect((await stream.closed).code).toBe(POLICY_VIOLATION);

    const { callbackId } = await callWithOwnStreamToken(stack);
    await stack.deps.store.mutate(callbackId, () => ({ streamTokenExpiresAt: Date.now() - 1 }));
    expect(await openRawStream(stack, callbackId).refused).toBe(410);
  });

  it('a finished call, or one whose TwiML was never fetched: the upgrade is refused with 410', async () => {
    const finished = await callWithOwnStreamToken(stack);
    await stack.deps.store.mutate(finished.callbackId, () => ({ status: 'completed' }));
    const before = modelConnections();
    expect(await openRawStream(stack, finished.callbackId).refused).toBe(410);

    const to = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    stack.twilio!.setBehaviour(to, { kind: 'no-answer', ringMs: 60_000 });
    const unanswered = uniqueId('unanswered');
    expect((await initiate(stack, { callbackId: unanswered, to })).status).toBe(200);
    expect(await openRawStream(stack, unanswered).refused).toBe(410);
    expect(modelConnections()).toBe(before);
  });
});

describe('a replayed TwiML fetch never gives a call a second stream', () => {
  const fetchTwiml = (callbackId: string, callSid: string) => postSignedForm(stack, `/twiml/outbound?callbackId=${callbackId}`, { CallSid: callSid });
  const tokenIn = (twiml: string) => /name="streamToken" value="([^"]+)"/.exec(twiml)?.[1];

  it('before the stream starts a replay gets the same token, which still opens the stream; after it, no token at all', async () => {
    const { callbackId, callSid, token } = await callWithOwnStreamToken(stack);
    expect(tokenIn((await fetchTwiml(callbackId, callSid)).text)).toBe(token);

    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    sendJson(stream.ws, startMessage(callbackId, token, callSid));
    await waitUntil(() => stream.received.some((m) => m.event === 'media'));
    const connections = modelConnections();

    const late = await fetchTwiml(callbackId, callSid);
    expect(late.status).toBe(200);
    expect(late.text).not.toContain('<Stream');
    expect(tokenIn(late.text)).toBeUndefined();
    expect(await openRawStream(stack, callbackId).refused).toBe(410);
    expect(stream.ws.readyState).toBe(stream.ws.OPEN);
    expect(modelConnections()).toBe(connections);
    stream.ws.close();
  });

  it("a fetch naming another CallSid gets no token, and the call's own token still works", async () => {
    const mine = await callWithOwnStreamToken(stack);
    const other = await callWithOwnStreamToken(stack);
    const forged = await fetchTwiml(mine.callbackId, other.callSid);
    expect(tokenIn(forged.text)).toBeUndefined();
    expect(tokenIn((await fetchTwiml(mine.callbackId, mine.callSid)).text)).toBe(mine.token);
  });
});

describe('unauthenticated sockets are capped per process', () => {
  it('past the cap an upgrade is refused with 503; a stream that authenticates frees its place', async () => {
    const service = await startMediaService({ port: 0, maxUnauthenticatedStreams: 2 });
    const config = { ...stack.config, MEDIA_URL: service.url };
    service.attach(config, { store: stack.deps.store, startTimeoutMs: 30_000, providerFactory });
    const local = { ...stack, config } as LocalStack;
    try {
      const { callbackId, token, callSid } = await callWithOwnStreamToken(stack);
      const first = openRawStream(local, callbackId);
      const second = openRawStream(local, callbackId);
      expect(await first.refused).toBeUndefined();
      expect(await second.refused).toBeUndefined();
      expect(await openRawStream(local, callbackId).refused).toBe(503);

      sendJson(first.ws, startMessage(callbackId, token, callSid));
      await waitUntil(() => first.received.some((m) => m.event === 'media'));
      second.ws.close();
      await second.closed;
      const other = await callWithOwnStreamToken(stack);
      expect(await openRawStream(local, other.callbackId).refused).toBeUndefined();
    } finally {
      await service.close();
    }
  });
});

describe('garbage on an authenticated stream', () => {
  it('is ignored; a 1 MB message closes only that stream; other calls are untouched', async () => {
    const bystander = uniqueId('bystander');
    await initiate(stack, { callbackId: bystander, to: '+15557771001' });

    const { callbackId, token, callSid } = await callWithOwnStreamToken(stack);
    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    sendJson(stream.ws, startMessage(callbackId, token, callSid));
    stream.ws.send('this is not json');
    stream.ws.send(Buffer.from([0xff, 0x00, 0x13, 0x37]));
    sendJson(stream.ws, { event: 'media', media: { payload: '***not base64***' } });
    sendJson(stream.ws, { event: 'media' });
    sendJson(stream.ws, { event: 'teleport', to: 'mars' });
    sendJson(stream.ws, { event: 'dtmf', dtmf: { digit: 'boom' } });
    sendJson(stream.ws, null);
    await waitUntil(() => stream.received.some((m) => m.event === 'media'));
    expect(stream.ws.readyState).toBe(stream.ws.OPEN);

    stream.ws.send('x'.repeat(1024 * 1024));
    const closed = await stream.closed;
    expect(closed.code).toBe(1009);

    const health = await fetch(`${stack.mediaUrl.replace('ws:', 'http:')}/health`);
    expect(health.status).toBe(200);
    const { detail } = await waitForEvent(stack, bystander);
    expect(detail.transcriptComplete).toBe(true);
    expect(detail.transcript.filter((t: { role: string }) => t.role === 'user').length).toBeGreaterThanOrEqual(2);
    await vi.waitFor(async () => expect((await getCall(stack, callbackId)).body.call.streamEndedAt).toBeDefined(), { timeout: 10_000, interval: 50 });
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
