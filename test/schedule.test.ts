import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { callWindowSchema, nextOpening, parseWindowSetting, placementTime, WEEKDAYS } from '../shared/call-window';
import { parseConfig } from '../shared/config';
import { getCall, initiate, startTestStack, uniqueId, validationIssues, waitForEvent } from './support/stack';

describe('call windows', () => {
  const weekdays = callWindowSchema.parse({ timezone: 'America/New_York', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' });

  it('keeps a time inside the window and moves one outside to the next opening, in the window\'s zone', () => {
    // Tuesday 2026-12-01 15:00 UTC is 10:00 in New York (EST, UTC-5).
    expect(nextOpening(weekdays, new Date('2026-12-01T15:00:00Z')).toISOString()).toBe('2026-12-01T15:00:00.000Z');
    // 23:00 UTC is 18:00 in New York: after hours, so Wednesday 09:00 local.
    expect(nextOpening(weekdays, new Date('2026-12-01T23:00:00Z')).toISOString()).toBe('2026-12-02T14:00:00.000Z');
    // Saturday morning waits for Monday.
    expect(nextOpening(weekdays, new Date('2026-12-05T15:00:00Z')).toISOString()).toBe('2026-12-07T14:00:00.000Z');
    // The end is exclusive.
    expect(nextOpening(weekdays, new Date('2026-12-01T22:00:00Z')).toISOString()).toBe('2026-12-02T14:00:00.000Z');
  });

  it('follows daylight saving time: 09:00 in New York is 13:00 UTC in summer', () => {
    expect(nextOpening(weekdays, new Date('2026-07-01T05:00:00Z')).toISOString()).toBe('2026-07-01T13:00:00.000Z');
  });

  it('reads DEFAULT_CALL_WINDOW in BUSINESS_TIMEZONE, day ranges and lists alike', () => {
    expect(parseWindowSetting('mon-fri 08:00-21:00', 'America/Chicago')).toEqual({
      timezone: 'America/Chicago',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '08:00',
      end: '21:00',
    });
    expect(parseWindowSetting('sat,sun 10:00-12:00', 'UTC').days).toEqual(['sat', 'sun']);
    expect(parseWindowSetting('fri-mon 10:00-12:00', 'UTC').days).toEqual(['fri', 'sat', 'sun', 'mon']);
    expect(() => parseConfig({ DEFAULT_CALL_WINDOW: 'weekdays 9-5' })).toThrow(/DEFAULT_CALL_WINDOW/);
    expect(() => parseConfig({ DEFAULT_CALL_WINDOW: 'mon-fri 17:00-09:00' })).toThrow(/DEFAULT_CALL_WINDOW/);
  });

  it('refuses a window that is not one: unknown zone, end before start, no days', () => {
    expect(callWindowSchema.safeParse({ timezone: 'Mars/Olympus', start: '09:00', end: '17:00' }).success).toBe(false);
    expect(callWindowSchema.safeParse({ timezone: 'UTC', start: '17:00', end: '09:00' }).success).toBe(false);
    expect(callWindowSchema.safeParse({ timezone: 'UTC', days: [], start: '09:00', end: '17:00' }).success).toBe(false);
    expect(callWindowSchema.safeParse({ timezone: 'UTC', start: '9:00', end: '17:00' }).success).toBe(false);
  });

  it('places at scheduleAt, moved into the window; a past scheduleAt means now', () => {
    const now = new Date('2026-12-01T15:00:00Z');
    expect(placementTime({ scheduleAt: '2026-12-01T23:30:00Z', window: weekdays }, now).toISOString()).toBe('2026-12-02T14:00:00.000Z');
    expect(placementTime({ scheduleAt: '2026-11-01T00:00:00Z' }, now)).toEqual(now);
  });
});

describe('scheduled calls on the embedded stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 202 scheduled, places nothing until the schedule fires, then places the call once', async () => {
    const to = '+15553330001';
    stack.twilio!.setBehaviour(to, { kind: 'busy' });
    const callbackId = uniqueId('later');
    const scheduleAt = new Date(Date.now() + 6_000).toISOString();
    const body = { callbackId, to, scheduleAt };
    const res = await initiate(stack, body);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ success: true, callbackId, status: 'scheduled' });
    expect(Date.parse(res.body.scheduledFor)).toBeGreaterThanOrEqual(Date.parse(scheduleAt));

    const replay = await initiate(stack, { ...body });
    expect(replay.status, 'the same request again is the same scheduled call').toBe(202);
    expect(replay.body.scheduledFor).toBe(res.body.scheduledFor);
    const creates = () => stack.twilio!.requests.filter((r) => r.path.endsWith('/Calls.json') && r.params.To === to);
    expect(creates()).toHaveLength(0);
    expect((await getCall(stack, callbackId)).body.call).toMatchObject({ status: 'scheduled', scheduledFor: res.body.scheduledFor });

    const event = await waitForEvent(stack, callbackId, 30_000);
    expect(event.detail).toMatchObject({ outcome: 'busy', endReason: 'busy' });
    expect(creates()).toHaveLength(1);
    expect(creates()[0]!.at).toBeGreaterThanOrEqual(Date.parse(res.body.scheduledFor));
  });

  it('holds a call until its window opens: scheduled for the next opening, with the schedule waiting', async () => {
    const today = WEEKDAYS[new Date().getUTCDay()]!;
    const callWindow = { timezone: 'UTC', days: WEEKDAYS.filter((d) => d !== today), start: '00:00', end: '23:59' };
    const callbackId = uniqueId('window');
    const res = await initiate(stack, { callbackId, to: '+15553330002', callWindow });
    expect(res.status).toBe(202);
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(res.body.scheduledFor).toBe(midnight.toISOString());
    const waiting = [...stack.scheduler.schedules.values()].find((s) => (s.input as { callbackId: string }).callbackId === callbackId);
    expect(waiting?.at.toISOString()).toBe(midnight.toISOString());
  });

  it('refuses a scheduleAt more than 30 days ahead', async () => {
    const res = await initiate(stack, { callbackId: uniqueId(), to: '+15553330003', scheduleAt: new Date(Date.now() + 31 * 86_400_000).toISOString() });
    expect(res.status).toBe(400);
    expect(validationIssues(res)[0]!.path).toBe('scheduleAt');
  });

  it('a fired schedule defers a call whose window has closed instead of placing it', async () => {
    const today = WEEKDAYS[new Date().getUTCDay()]!;
    const callbackId = uniqueId('closed');
    const scheduleAt = new Date(Date.now() + 6_000).toISOString();
    const callWindow = { timezone: 'UTC', days: [today], start: '00:00', end: '23:59' };
    const res = await initiate(stack, { callbackId, to: '+15553330004', scheduleAt, callWindow });
    expect(res.status).toBe(202);
    // Close the window under the waiting schedule: the dispatch reads the window from the stored request.
    const later = WEEKDAYS[(new Date().getUTCDay() + 2) % 7]!;
    await stack.deps.store.mutate(callbackId, (call) => ({ request: { ...call.request, callWindow: { ...callWindow, days: [later] } } }));
    const fired = await waitUntil(() => stack.scheduler.fired.find((s) => (s.input as { callbackId: string }).callbackId === callbackId), 20_000);
    expect(fired).toBeDefined();
    const moved = await waitUntil(async () => {
      const { body } = await getCall(stack, callbackId);
      return body.call.scheduledFor !== res.body.scheduledFor ? body.call : undefined;
    }, 10_000);
    expect(moved.status).toBe('scheduled');
    expect(new Date(moved.scheduledFor!).getUTCDay()).toBe(WEEKDAYS.indexOf(later));
  });
});

async function waitUntil<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
