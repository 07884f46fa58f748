import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import type { CallBehaviour } from '../local/twilio-sim';
import { callCompletedEventSchema } from '../shared/events';
import { eventsFor, getCall, initiate, postJson, type CancelBody, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

let lastNumber = 0;
const freshNumber = () => `+1555321${String(++lastNumber).padStart(4, '0')}`;
const cancel = (callbackId: string, body?: unknown, apiKey = stack.apiKey) =>
  postJson<CancelBody>(stack, `/calls/${encodeURIComponent(callbackId)}/cancel`, body ?? '', { 'x-api-key': apiKey });
const updatesOf = (callSid: string) => stack.twilio!.calls.find((call) => call.sid === callSid)?.updates ?? [];

describe('POST /calls/{callbackId}/cancel', () => {
  it('needs the API key, 404s an unknown call and refuses an unknown body key', async () => {
    expect((await cancel('nobody', undefined, 'wrong')).status).toBe(401);
    const missing = await cancel(uniqueId('nobody'));
    expect(missing.status).toBe(404);
    expect(missing.body.error?.code).toBe('not_found');
    expect((await cancel('nobody', { now: true })).status).toBe(400);
  });

  it('unschedules a scheduled call: 200 canceled, the schedule is gone, and the event says canceled', async () => {
    const callbackId = uniqueId('sched');
    const scheduleAt = new Date(Date.now() + 3_600_000).toISOString();
    const to = freshNumber();
    const placed = await initiate(stack, { callbackId, to, scheduleAt });
    expect(placed.status).toBe(202);
    expect(stack.scheduler.schedules.size).toBeGreaterThan(0);
    const scheduled = [...stack.scheduler.schedules.values()].filter((s) => (s.input as { callbackId: string }).callbackId === callbackId);
    expect(scheduled).toHaveLength(1);

    const res = await cancel(callbackId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, callbackId, status: 'canceled', cancel: { immediate: false } });
    expect(stack.scheduler.schedules.has(scheduled[0]!.name)).toBe(false);
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(event.detail).toMatchObject({ outcome: 'canceled', endReason: 'canceled', callSid: null });

    const again = await cancel(callbackId);
    expect(again.status, 'a repeated cancel answers the same').toBe(200);
    expect(again.body.status).toBe('canceled');
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
    expect(stack.twilio!.requests.filter((r) => r.params.To === to)).toHaveLength(0);
  });

  it('cancels a ringing call at Twilio; repeating it is harmless and one event says canceled', async () => {
    const to = freshNumber();
    stack.twilio!.setBehaviour(to, { kind: 'no-answer', ringMs: 60_000 });
    const callbackId = uniqueId('ring');
    const placed = await initiate(stack, { callbackId, to });
    const [first, second] = await Promise.all([cancel(callbackId), cancel(callbackId)]);
    expect([first.status, second.status]).toEqual([202, 202]);
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(event.detail).toMatchObject({ outcome: 'canceled', endReason: 'canceled', callSid: placed.body.callSid });
    expect(updatesOf(placed.body.callSid).some((u) => u.outcome === 'cancel')).toBe(true);
    const { body } = await getCall(stack, callbackId);
    expect(body.call).toMatchObject({ status: 'canceled', endReason: 'canceled' });
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
  });

  it('hangs up a live call at once with {"immediate": true}', async () => {
    const to = freshNumber();
    stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [], stayOnLine: true, maxCallMs: 60_000 } });
    const callbackId = uniqueId('live');
    const placed = await initiate(stack, { callbackId, to });
    await stack.twilio!.waitForCall(placed.body.callSid, 'streaming');
    const res = await cancel(callbackId, { immediate: true });
    expect(res.status).toBe(202);
    expect(res.body.cancel.immediate).toBe(true);
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(event.detail).toMatchObject({ outcome: 'completed', endReason: 'canceled' });
    expect(updatesOf(placed.body.callSid).map((u) => u.outcome)).toContain('hangup');
  });

  it('answers 409 with the current state for a call that already ended some other way', async () => {
    const to = freshNumber();
    stack.twilio!.setBehaviour(to, { kind: 'busy' });
    const callbackId = uniqueId('done');
    await initiate(stack, { callbackId, to });
    await waitForEvent(stack, callbackId);
    const res = await cancel(callbackId);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'call_finished', details: { status: 'busy', endReason: 'busy' } });
  });
});

describe('endReason', () => {
  it.each<[string, CallBehaviour, Record<string, unknown>, string, string]>([
    ['busy', { kind: 'busy' }, {}, 'busy', 'busy'],
    ['no_answer', { kind: 'no-answer' }, {}, 'no-answer', 'no_answer'],
    ['failed', { kind: 'failed' }, {}, 'failed', 'failed'],
    ['voicemail', { kind: 'machine' }, { machineDetection: true, voicemailMessage: 'Please call us back.' }, 'voicemail', 'voicemail'],
    [
      'callee_hangup',
      { kind: 'answer', callee: { utterances: ['Hello?'], hangUpAfterAgentTurns: 1, maxCallMs: 30_000 } },
      {},
      'completed',
      'callee_hangup',
    ],
  ])('%s: the event and GET /calls say why the call ended', async (_name, behaviour, extra, outcome, endReason) => {
    const to = freshNumber();
    stack.twilio!.setBehaviour(to, behaviour);
    const callbackId = uniqueId('why');
    await initiate(stack, { callbackId, to, ...extra });
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(event.detail).toMatchObject({ schemaVersion: '1.1', outcome, endReason });
    const { body } = await getCall(stack, callbackId);
    expect(body.call.endReason).toBe(endReason);
  });

  it('an open call has no endReason yet', async () => {
    const to = freshNumber();
    stack.twilio!.setBehaviour(to, { kind: 'no-answer', ringMs: 60_000 });
    const callbackId = uniqueId('open');
    await initiate(stack, { callbackId, to });
    const { body } = await getCall(stack, callbackId);
    expect(body.call.endReason).toBeUndefined();
    await cancel(callbackId);
  });
});
