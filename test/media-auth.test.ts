import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { POLICY_VIOLATION } from '../media-service/call-bridge';
import { callWithOwnStreamToken, openRawStream, sendJson, startMessage } from './support/raw-stream';
import { getCall, initiate, sleep, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ media: { startTimeoutMs: 1_000 } });
});
afterAll(async () => {
  await stack?.close();
});

const modelConnections = () => stack.model!.stats.connectionsOpened;

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
    const { callbackId } = await callWithOwnStreamToken(stack);
    const before = modelConnections();
    for (const token of [undefined, 'not-the-token']) {
      const stream = openRawStream(stack, callbackId);
      await stream.refused;
      sendJson(stream.ws, { event: 'connected', protocol: 'Call', version: '1.0.0' });
      sendJson(stream.ws, startMessage(callbackId, token));
      expect((await stream.closed).code).toBe(POLICY_VIOLATION);
    }
    expect(modelConnections()).toBe(before);
  });

  it('a start naming another call: closed with 1008', async () => {
    const mine = await callWithOwnStreamToken(stack);
    const other = await callWithOwnStreamToken(stack);
    const stream = openRawStream(stack, mine.callbackId);
    await stream.refused;
    sendJson(stream.ws, startMessage(other.callbackId, other.token));
    expect((await stream.closed).code).toBe(POLICY_VIOLATION);
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

  it('a replayed token: the first stream is accepted, the replay is closed with 1008', async () => {
    const { callbackId, token } = await callWithOwnStreamToken(stack);
    const first = openRawStream(stack, callbackId);
    await first.refused;
    sendJson(first.ws, startMessage(callbackId, token));
    await waitUntil(() => first.received.some((m) => m.event === 'media'));
    const connectionsAfterFirst = modelConnections();

    const replay = openRawStream(stack, callbackId);
    await replay.refused;
    sendJson(replay.ws, startMessage(callbackId, token));
    expect((await replay.closed).code).toBe(POLICY_VIOLATION);
    expect(modelConnections()).toBe(connectionsAfterFirst);
    first.ws.close();
  });

  it('an expired token: closed with 1008', async () => {
    const { callbackId, token } = await callWithOwnStreamToken(stack);
    await stack.deps.store.mutate(callbackId, () => ({ streamTokenExpiresAt: Date.now() - 1 }));
    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    sendJson(stream.ws, startMessage(callbackId, token));
    expect((await stream.closed).code).toBe(POLICY_VIOLATION);
  });
});

describe('garbage on an authenticated stream', () => {
  it('is ignored; a 1 MB message closes only that stream; other calls are untouched', async () => {
    const bystander = uniqueId('bystander');
    await initiate(stack, { callbackId: bystander, to: '+15557771001' });

    const { callbackId, token } = await callWithOwnStreamToken(stack);
    const stream = openRawStream(stack, callbackId);
    await stream.refused;
    sendJson(stream.ws, startMessage(callbackId, token));
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
    await sleep(100);
    const { body } = await getCall(stack, callbackId);
    expect(body.call.streamEndedAt).toBeDefined();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
