import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GoogleApiError } from './errors';

/** Calendar API v3 with real state: events per calendar, free/busy computed from them. */

export interface FakeEvent {
  kind: 'calendar#event';
  id: string;
  etag: string;
  status: 'confirmed' | 'tentative' | 'cancelled';
  htmlLink: string;
  created: string;
  updated: string;
  summary?: string;
  description?: string;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
  attendees?: Array<{ email: string; responseStatus: 'needsAction' }>;
  organizer: { email: string; self: true };
  creator: { email: string };
  iCalUID: string;
  sequence: number;
  transparency?: 'opaque' | 'transparent';
}

export interface Invitation {
  eventId: string;
  to: string[];
  at: number;
}

const EVENT_ID = /^[a-v0-9]{5,1024}$/;

const eventTime = z.looseObject({ dateTime: z.string(), timeZone: z.string().optional() });
const insertBody = z.looseObject({
  id: z.string().optional(),
  summary: z.string().optional(),
  description: z.string().optional(),
  start: eventTime,
  end: eventTime,
  attendees: z.array(z.looseObject({ email: z.string() })).optional(),
  transparency: z.enum(['opaque', 'transparent']).optional(),
});

const freeBusyBody = z.looseObject({
  timeMin: z.string(),
  timeMax: z.string(),
  items: z.array(z.object({ id: z.string() })).default([]),
});

export class FakeCalendars {
  private readonly calendars = new Map<string, Map<string, FakeEvent>>();
  readonly invitations: Invitation[] = [];

  constructor(calendarIds: readonly string[]) {
    for (const id of calendarIds) this.calendars.set(id, new Map());
  }

  events(calendarId: string): FakeEvent[] {
    return [...(this.calendars.get(calendarId)?.values() ?? [])];
  }

  /** Puts an event on a calendar directly (someone else booked that time). */
  addEvent(calendarId: string, start: Date, end: Date, summary = 'Busy'): FakeEvent {
    return this.insert(calendarId, { start: { dateTime: start.toISOString() }, end: { dateTime: end.toISOString() }, summary }, 'owner@example.com', 'none');
  }

  freeBusy(body: unknown) {
    const request = parse(freeBusyBody, body);
    const timeMin = time(request.timeMin, 'timeMin');
    const timeMax = time(request.timeMax, 'timeMax');
    if (timeMax <= timeMin) throw new GoogleApiError(400, 'The specified time range is empty.', 'timeRangeEmpty');
    const calendars: Record<string, unknown> = {};
    for (const { id } of request.items) {
      const events = this.calendars.get(id);
      if (!events) {
        calendars[id] = { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
        continue;
      }
      calendars[id] = { busy: busyIntervals([...events.values()], timeMin, timeMax) };
    }
    return { kind: 'calendar#freeBusy', timeMin: new Date(timeMin).toISOString(), timeMax: new Date(timeMax).toISOString(), calendars };
  }

  get(calendarId: string, eventId: string): FakeEvent {
    const event = this.requireCalendar(calendarId).get(eventId);
    if (!event) throw new GoogleApiError(404, 'Not Found', 'notFound');
    return event;
  }

  insert(calendarId: string, body: unknown, organizer: string, sendUpdates: string | null): FakeEvent {
    const events = this.requireCalendar(calendarId);
    const request = parse(insertBody, body);
    const start = time(request.start.dateTime, 'start.dateTime');
    const end = time(request.end.dateTime, 'end.dateTime');
    if (end <= start) throw new GoogleApiError(400, 'The specified time range is empty.', 'timeRangeEmpty');
    if (request.id !== undefined && !EVENT_ID.test(request.id)) throw new GoogleApiError(400, 'Invalid resource id value.', 'invalid');
    const id = request.id ?? randomBytes(13).toString('hex');
    if (events.has(id)) throw new GoogleApiError(409, 'The requested identifier already exists.', 'duplicate');
    const now = new Date().toISOString();
    const event: FakeEvent = {
      kind: 'calendar#event',
      id,
      etag: `"${createHash('sha1').update(id + now).digest('hex').slice(0, 16)}"`,
      status: 'confirmed',
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${calendarId}`).toString('base64url')}`,
      created: now,
      updated: now,
      summary: request.summary,
      description: request.description,
      start: { dateTime: new Date(start).toISOString(), timeZone: request.start.timeZone },
      end: { dateTime: new Date(end).toISOString(), timeZone: request.end.timeZone },
      ...(request.attendees?.length ? { attendees: request.attendees.map((a) => ({ email: a.email, responseStatus: 'needsAction' as const })) } : {}),
      organizer: { email: organizer, self: true },
      creator: { email: organizer },
      iCalUID: `${id}@google.com`,
      sequence: 0,
      ...(request.transparency ? { transparency: request.transparency } : {}),
    };
    events.set(id, event);
    if (sendUpdates === 'all' && event.attendees) this.invitations.push({ eventId: id, to: event.attendees.map((a) => a.email), at: Date.now() });
    return event;
  }

  private requireCalendar(calendarId: string): Map<string, FakeEvent> {
    const events = this.calendars.get(calendarId);
    if (!events) throw new GoogleApiError(404, 'Not Found', 'notFound');
    return events;
  }
}

/** Busy time in [timeMin, timeMax): opaque, not-cancelled events, clipped and merged, as free/busy reports it. */
function busyIntervals(events: FakeEvent[], timeMin: number, timeMax: number): Array<{ start: string; end: string }> {
  const intervals = events
    .filter((e) => e.status !== 'cancelled' && e.transparency !== 'transparent')
    .map((e) => [Math.max(Date.parse(e.start.dateTime), timeMin), Math.min(Date.parse(e.end.dateTime), timeMax)] as const)
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of intervals) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged.map(([start, end]) => ({ start: new Date(start).toISOString(), end: new Date(end).toISOString() }));
}

function time(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new GoogleApiError(400, `Invalid value for: ${field}`, 'invalid');
  return ms;
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new GoogleApiError(400, `Missing or invalid field: ${issue?.path.join('.') ?? '?'}`, 'required');
}
