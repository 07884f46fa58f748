import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps } from '../functions/lib/deps';
import { createSweeper } from '../functions/sweeper';
import { exited, freePort, startMediaProcess } from '../local/media-process';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { createTwilioClient } from '../shared/twilio-client';
import { openRawStream } from './support/raw-stream';
import { eventsFor, getCall, initiate, sleep, startTestStack, uniqueId, waitForEvent } from './support/stack';

describe('DynamoDB unreachable for a few seconds', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('the call rides it out: retries with backoff, nothing lost once it returns', async () => {
    const callbackId = uniqueId('ddb-outage');
    const res = await initiate(stack, { callbackId, to: '+15557774001' });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');
    await sleep(1_500);
    await stack.dynamo.stop();
    await sleep(3_000);
    await stack.dynamo.start();
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 90_000));
    expect(detail.transcriptComplete).toBe(true);
    expect(detail.transcript.filter((t) => t.role === 'user').length).toBeGreaterThanOrEqual(2);
    expect((await getCall(stack, callbackId)).body.transcript).toEqual(detail.transcript);
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
  });
});

describe('EventBridge and Twilio failures', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({ overrides: { TWILIO_TIMEOUT_MS: '700' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('PutEvents partial failures are retried: the event lands once, with its stable eventId', async () => {
    stack.twilio!.setBehaviour('+15557774101', { kind: 'busy' });
    stack.events.failNextEntries(2);
    const callbackId = uniqueId('eb-partial');
    const res = await initiate(stack, { callbackId, to: '+15557774101' });
    const { detail } = await waitForEvent(stack, callbackId);
    await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
    const again = await waitForEvent(stack, callbackId);
    expect(again.detail.eventId).toBe(detail.eventId);
  });

  it('a Twilio create slower than the timeout: a clear 502, and the state stays consistent as the call proceeds', async () => {
    stack.twilio!.setBehaviour('+15557774102', { kind: 'busy', createDelayMs: 2_000 });
    const callbackId = uniqueId('slow-create');
    const started = Date.now();
    const res = await initiate(stack, { callbackId, to: '+15557774102' });
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('twilio_unavailable');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await getCall(stack, callbackId)).body.call.status).toBe('initiating');
    const retry = await initiate(stack, { callbackId, to: '+15557774102' });
    expect(retry.status, 'a retry while Twilio may have placed the call places no second one').toBe(409);
    const { detail } = await waitForEvent(stack, callbackId);
    expect(detail.outcome).toBe('busy');
    expect(detail.callSid).toMatch(/^CA/);
  });

  it('a failing Twilio hang-up at the time limit still ends the call cleanly', async () => {
    stack.twilio!.setBehaviour('+15557774103', {
      kind: 'answer',
      updateError: { status: 500, code: 20500, message: 'Internal Server Error' },
      callee: { utterances: Array.from({ length: 20 }, (_, i) => `Still here ${i}.`), maxCallMs: 60_000 },
      timeScale: 1, // the call must outlast the 30 s limit, which runs on the wall clock
    });
    const callbackId = uniqueId('hangup-fails');
    const res = await initiate(stack, { callbackId, to: '+15557774103', maxDurationSeconds: 30 });
    const { detail } = await waitForEvent(stack, callbackId, 60_000);
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    const hangUps = stack.twilio!.requests.filter((r) => r.path.endsWith(`/Calls/${sim.sid}.json`) && r.params.Status === 'completed');
    expect(hangUps.map((r) => r.status)).toContain(500);
    expect(detail.outcome).toBe('completed');
    expect(detail.durationSeconds).toBeLessThan(50);
  }, 90_000);
});

describe('the media process dies or is stopped', () => {
  let stack: LocalStack;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    // Real time: the media process is killed mid-call, so the calls must last a while.
    stack = await startTestStack({ externalMediaUrl: `ws://127.0.0.1:${port}`, timeScale: 1 });
  });
  let media: ChildProcess | undefined;
  // A test that fails while its media process still runs must not leave it holding the port.
  afterEach(async () => {
    if (media && media.exitCode === null && media.signalCode === null) {
      media.kill('SIGKILL');
      await exited(media);
    }
    media = undefined;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('SIGKILL mid-call: the sweeper completes the call from the persisted turns, transcriptComplete false, one event', async () => {
    media = await startMediaProcess(stack.env, port);
    const callbackId = uniqueId('sigkill');
    const res = await initiate(stack, { callbackId, to: '+15557774201' });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');
    await waitUntilTurns(stack, callbackId, 2);
    media.kill('SIGKILL');
    await exited(media);
    await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(eventsFor(stack, callbackId), 'no event while the media half is missing').toHaveLength(0);

    const later = new Date(Date.now() + 2 * 3600_000);
    const sweep = createSweeper(buildDeps(stack.config, stack.env, { now: () => later, twilioFactory: createTwilioClient }));
    expect((await sweep()).actions['complete-lost-media']).toBe(1);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail).toMatchObject({ transcriptComplete: false, error: { code: 'media_lost' }, outcome: 'completed' });
    expect(detail.transcript.length).toBeGreaterThanOrEqual(2);
    await sweep();
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
  });

  it('SIGTERM with calls live: new streams get 503, live calls finish, the process exits, no event lost', async () => {
    media = await startMediaProcess(stack.env, port);
    const ids = [uniqueId('sigterm'), uniqueId('sigterm')];
    const placed = await Promise.all(ids.map((callbackId, i) => initiate(stack, { callbackId, to: `+1555777430${i}` })));
    await Promise.all(placed.map((p) => stack.twilio!.waitForCall(p.body.callSid, 'streaming')));
    media.kill('SIGTERM');
    await sleep(200);
    expect(await openRawStream(stack, ids[0]!).refused).toBe(503);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'draining', activeCalls: 2 });
    expect(media.exitCode, 'still serving its live calls').toBeNull();
    const events = await Promise.all(ids.map((id) => waitForEvent(stack, id, 90_000)));
    for (const { detail } of events) expect(detail.transcriptComplete).toBe(true);
    expect(await exited(media)).toMatchObject({ code: 0 });
  });
});

async function waitUntilTurns(stack: LocalStack, callbackId: string, turns: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await getCall(stack, callbackId)).body.transcript.length < turns) {
    if (Date.now() > deadline) throw new Error('turns not persisted in time');
    await sleep(200);
  }
}
