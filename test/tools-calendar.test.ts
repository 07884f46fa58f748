import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFakeServiceAccount, startFakeGoogle, type FakeGoogle } from '../local/fake-google/server';
import type { ToolCallRecord } from '../shared/call-record';
import { parseConfig } from '../shared/config';
import { logger } from '../shared/logger';
import { CALENDAR_UNAVAILABLE } from '../media-service/tools/calendar/calendar-api';
import { localParts, spokenTime, utcFromLocal } from '../shared/zoned-time';
import { checkAvailabilityTool } from '../media-service/tools/check-availability';
import { googleClients } from '../media-service/tools/google';
import { createToolRunner } from '../media-service/tools/runner';
import { bookingEventId, scheduleMeetingTool } from '../media-service/tools/schedule-meeting';
import type { ToolContext, ToolDefinition } from '../media-service/tools/types';

/**
 * The calendar tools against the fake Google APIs over HTTP, through googleapis and the real
 * service-account token flow; run through the tool runner as the agent would run them.
 */

const TZ = 'America/New_York';
/** Tuesday 1 December 2026, 9:10 in New York. */
const NOW = new Date('2026-12-01T14:10:00Z');
const USER = 'agent@northwind.example';
const at = (iso: string) => new Date(iso);

let google: FakeGoogle;
let config: ReturnType<typeof parseConfig>;

beforeAll(async () => {
  const serviceAccount = createFakeServiceAccount();
  google = await startFakeGoogle({ serviceAccount, delegatedUsers: [USER] });
  config = parseConfig({
    STAGE: 'local',
    ENABLE_CALENDAR_TOOLS: 'true',
    GOOGLE_CLIENT_EMAIL: serviceAccount.clientEmail,
    GOOGLE_PRIVATE_KEY: serviceAccount.privateKeyPem,
    GOOGLE_IMPERSONATED_USER: USER,
    GOOGLE_API_ROOT_URL: google.rootUrl,
    BUSINESS_TIMEZONE: TZ,
    WORKDAY_START_HOUR: '9',
    WORKDAY_END_HOUR: '17',
  });
});
afterAll(async () => {
  await google?.close();
});
beforeEach(() => google.clearFaults());

let callCounter = 0;
/** A runner for one call, recording what the event's toolCalls would hold. */
function callTools(definitions: ToolDefinition[] = [checkAvailabilityTool, scheduleMeetingTool] as ToolDefinition[], callbackId = `cal-${++callCounter}`) {
  const records: ToolCallRecord[] = [];
  const context: Omit<ToolContext, 'signal'> = {
    callbackId,
    callSid: 'CA00000000000000000000000000000000',
    to: '+15551230000',
    from: '+15550001111',
    config,
    now: () => NOW,
    callControl: { hangUpAfterPlayback: async () => undefined, transfer: async () => undefined, sendDigits: async () => undefined },
    services: { twilio: () => { throw new Error('no Twilio here'); }, google: () => googleClients(config) },
  };
  const runner = createToolRunner({ definitions, context, log: logger, record: (r) => records.push(r) });
  const run = async (name: string, args: unknown) => {
    const { output, isError } = await runner.run(name, args);
    return { isError, value: JSON.parse(output) as any };
  };
  return { run, records, callbackId };
}

const eventsOnCalendar = () => google.calendars.events('primary').filter((e) => e.summary !== 'Busy');

describe('zoned time', () => {
  it('turns local business hours into instants across a DST change and says them in words', () => {
    expect(utcFromLocal({ year: 2026, month: 3, day: 6, hour: 9, minute: 0 }, TZ).toISOString()).toBe('2026-03-06T14:00:00.000Z');
    expect(utcFromLocal({ year: 2026, month: 3, day: 9, hour: 9, minute: 0 }, TZ).toISOString()).toBe('2026-03-09T13:00:00.000Z');
    expect(localParts(at('2026-03-09T13:00:00Z'), TZ)).toMatchObject({ hour: 9, weekday: 1 });
    expect(spokenTime(at('2026-12-01T20:00:00Z'), TZ, NOW)).toBe('today at 3 pm');
    expect(spokenTime(at('2026-12-02T14:30:00Z'), TZ, NOW)).toBe('tomorrow at 9:30 am');
    expect(spokenTime(at('2026-12-04T17:00:00Z'), TZ, NOW)).toBe('Friday at 12 pm');
    expect(spokenTime(at('2026-12-10T14:00:00Z'), TZ, NOW)).toBe('Thursday, December 10 at 9 am');
  });
});

describe('check_availability', () => {
  it('offers free slots inside working hours, skipping busy time, as ISO times and as words', async () => {
    google.calendars.addEvent('primary', at('2026-12-01T15:00:00Z'), at('2026-12-01T17:00:00Z')); // 10:00-12:00 local
    const { run, records } = callTools();
    const { isError, value } = await run('check_availability', {});

    expect(isError).toBe(false);
    expect(value.timeZone).toBe(TZ);
    expect(value.slots).toEqual([
      { start: '2026-12-01T12:00:00-05:00', end: '2026-12-01T12:30:00-05:00', spoken: 'today at 12 pm' },
      { start: '2026-12-02T09:00:00-05:00', end: '2026-12-02T09:30:00-05:00', spoken: 'tomorrow at 9 am' },
      { start: '2026-12-03T09:00:00-05:00', end: '2026-12-03T09:30:00-05:00', spoken: 'Thursday at 9 am' },
    ]);
    expect(records).toMatchObject([{ name: 'check_availability', arguments: {}, result: value }]);
    expect(google.tokenRequests.at(-1)).toMatchObject({ subject: USER, granted: true });
  });

  it('spreads the slots of one asked-for day, and has none on a weekend', async () => {
    const { run } = callTools();
    const friday = await run('check_availability', { day: '2026-12-04', durationMinutes: 60 });
    const starts = friday.value.slots.map((s: { start: string }) => s.start);
    expect(starts).toEqual(['2026-12-04T09:00:00-05:00', '2026-12-04T10:30:00-05:00', '2026-12-04T12:00:00-05:00']);
    expect(friday.value.slots[0].end).toBe('2026-12-04T10:00:00-05:00');

    const saturday = await run('check_availability', { day: '2026-12-05' });
    expect(saturday.value.slots).toEqual([]);
    expect(saturday.value.note).toMatch(/weekdays/);
  });

  it('answers a calendar API error with a sentence the agent can say, and records it', async () => {
    google.fail('freebusy', { status: 500 });
    const { run, records } = callTools();
    const { isError, value } = await run('check_availability', {});
    expect(isError).toBe(true);
    expect(value.error).toBe(CALENDAR_UNAVAILABLE);
    expect(records).toMatchObject([{ name: 'check_availability', error: CALENDAR_UNAVAILABLE }]);
  });

  it('gives up after its timeout and tells the agent so, instead of hanging the turn', async () => {
    google.delay('freebusy', 2_000);
    const { run, records } = callTools([{ ...checkAvailabilityTool, timeoutMs: 300 }] as ToolDefinition[]);
    const started = Date.now();
    const { isError, value } = await run('check_availability', {});
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(isError).toBe(true);
    expect(value.error).toMatch(/check_availability did not finish within 0.3 seconds/);
    expect(records[0]?.error).toBe(value.error);
  });
});

describe('schedule_meeting', () => {
  it('books the slot with an invitation and the callbackId, after which the slot is busy', async () => {
    const { run, callbackId } = callTools();
    const before = await run('check_availability', { day: '2026-12-07' });
    const slot = before.value.slots[0];
    const booked = await run('schedule_meeting', { start: slot.start, attendeeEmail: 'sam@example.com', title: 'Cleaning follow-up' });

    expect(booked.isError).toBe(false);
    expect(booked.value).toMatchObject({ booked: true, alreadyBooked: false, start: slot.start, spoken: 'Monday at 9 am', invited: ['sam@example.com'] });
    const event = google.calendars.events('primary').find((e) => e.id === booked.value.eventId)!;
    expect(event.id).toBe(bookingEventId(callbackId, new Date(slot.start)));
    expect(event).toMatchObject({ summary: 'Cleaning follow-up', start: { dateTime: '2026-12-07T14:00:00.000Z' }, end: { dateTime: '2026-12-07T14:30:00.000Z' } });
    expect(event.description).toContain(callbackId);
    expect(google.calendars.invitations.find((i) => i.eventId === event.id)?.to).toEqual(['sam@example.com']);

    const after = await run('check_availability', { day: '2026-12-07' });
    expect(after.value.slots.map((s: { start: string }) => s.start)).not.toContain(slot.start);
  });

  it('books once when the same call retries the same slot, even concurrently', async () => {
    const { run } = callTools();
    const start = '2026-12-08T11:00:00-05:00';
    const [first, second] = await Promise.all([run('schedule_meeting', { start }), run('schedule_meeting', { start })]);
    const third = await run('schedule_meeting', { start });

    expect([first, second, third].every((r) => !r.isError && r.value.booked)).toBe(true);
    expect(new Set([first.value.eventId, second.value.eventId, third.value.eventId]).size).toBe(1);
    expect(third.value.alreadyBooked).toBe(true);
    expect(eventsOnCalendar().filter((e) => e.start.dateTime === '2026-12-08T16:00:00.000Z')).toHaveLength(1);
  });

  it('refuses a slot another call booked first: no double booking', async () => {
    const start = '2026-12-08T14:00:00-05:00';
    const first = await callTools().run('schedule_meeting', { start });
    const second = await callTools().run('schedule_meeting', { start });
    expect(first.isError).toBe(false);
    expect(second).toMatchObject({ isError: true, value: { error: expect.stringMatching(/just taken/) } });
    expect(eventsOnCalendar().filter((e) => e.start.dateTime === '2026-12-08T19:00:00.000Z')).toHaveLength(1);
  });

  it('refuses a slot taken between offering and booking', async () => {
    const { run } = callTools();
    const offered = (await run('check_availability', { day: '2026-12-09' })).value.slots[0];
    google.calendars.addEvent('primary', new Date(offered.start), new Date(offered.end), 'Busy');
    const booked = await run('schedule_meeting', { start: offered.start });
    expect(booked.isError).toBe(true);
    expect(booked.value.error).toMatch(/just taken/);
    expect(eventsOnCalendar().filter((e) => e.start.dateTime === new Date(offered.start).toISOString())).toHaveLength(0);
  });

  it('refuses times outside working hours or in the past, and malformed times, without touching the calendar', async () => {
    const { run } = callTools();
    const inserts = () => google.requests.filter((r) => r.route === 'events.insert').length;
    const before = inserts();
    const evening = await run('schedule_meeting', { start: '2026-12-02T18:00:00-05:00' });
    const sunday = await run('schedule_meeting', { start: '2026-12-06T10:00:00-05:00' });
    const past = await run('schedule_meeting', { start: '2026-11-30T10:00:00-05:00' });
    const vague = await run('schedule_meeting', { start: 'tomorrow at 3' });
    expect(evening.value.error).toMatch(/outside working hours/);
    expect(sunday.value.error).toMatch(/outside working hours/);
    expect(past.value.error).toMatch(/already passed/);
    expect(vague.value.error).toMatch(/^The arguments were not valid: start/);
    expect(inserts()).toBe(before);
  });

  it('answers an insert failure with the calendar sentence and books nothing', async () => {
    google.fail('events.insert', { status: 503 });
    const booked = await callTools().run('schedule_meeting', { start: '2026-12-10T09:00:00-05:00' });
    expect(booked).toMatchObject({ isError: true, value: { error: CALENDAR_UNAVAILABLE } });
    expect(eventsOnCalendar().filter((e) => e.start.dateTime === '2026-12-10T14:00:00.000Z')).toHaveLength(0);
  });
});
