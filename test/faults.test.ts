import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
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
    expect(res.body.error?.code).toBe('twilio_unavailable');
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
