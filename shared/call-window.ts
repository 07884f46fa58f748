import { z } from 'zod';
import { addDays, localParts, utcFromLocal, weekdayOf } from './zoned-time';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** The furthest ahead a call may be scheduled. */
export const MAX_SCHEDULE_AHEAD_DAYS = 30;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time such as 08:00');

export const timeZoneSchema = z.string().refine(isTimeZone, 'must be an IANA time zone such as America/Chicago');

/**
 * When a call may ring: on the listed days, between `start` and `end` on the callee's wall
 * clock (`end` exclusive, same day). US rules allow 08:00-21:00 in the callee's local time.
 */
export const callWindowSchema = z
  .strictObject({
    timezone: timeZoneSchema,
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7).default([...WEEKDAYS]),
    start: hhmm,
    end: hhmm,
  })
  .refine((w) => w.end > w.start, { message: 'end must be after start on the same day', path: ['end'] });
export type CallWindow = z.infer<typeof callWindowSchema>;

/** `scheduleAt`: an ISO 8601 instant with its offset, e.g. 2026-12-01T15:00:00Z. */
export const scheduleAtSchema = z.iso.datetime({ offset: true });

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * `DEFAULT_CALL_WINDOW` as written in the environment: days then hours, e.g.
 * `mon-fri 09:00-17:00` or `mon,wed,sat 10:00-18:30`; the time zone is BUSINESS_TIMEZONE.
 */
export function parseWindowSetting(text: string, timezone: string): CallWindow {
  const match = /^\s*([a-z,-]+)\s+(\d\d:\d\d)-(\d\d:\d\d)\s*$/i.exec(text);
  if (!match) throw new Error(`"${text}" is not of the form "mon-fri 09:00-17:00"`);
  const days = new Set<(typeof WEEKDAYS)[number]>();
  for (const part of match[1]!.toLowerCase().split(',')) {
    const [from, to = from] = part.split('-') as [string, string?];
    const a = WEEKDAYS.indexOf(from as never);
    const b = WEEKDAYS.indexOf(to as never);
    if (a < 0 || b < 0) throw new Error(`"${part}" names no weekday (use sun, mon, tue, wed, thu, fri, sat)`);
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(WEEKDAYS[d]!);
      if (d === b) break;
    }
  }
  const parsed = callWindowSchema.safeParse({ timezone, days: [...days], start: match[2], end: match[3] });
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; '));
  return parsed.data;
}

/** The first instant at or after `from` inside the window (the window opens at least weekly, so within 8 days). */
export function nextOpening(window: CallWindow, from: Date): Date {
  const today = localParts(from, window.timezone);
  const [startHour, startMinute] = window.start.split(':').map(Number) as [number, number];
  const [endHour, endMinute] = window.end.split(':').map(Number) as [number, number];
  for (let offset = 0; offset <= 7; offset++) {
    const date = addDays(today, offset);
    if (!window.days.includes(WEEKDAYS[weekdayOf(date)]!)) continue;
    const opens = utcFromLocal({ ...date, hour: startHour, minute: startMinute }, window.timezone);
    const closes = utcFromLocal({ ...date, hour: endHour, minute: endMinute }, window.timezone);
    if (from < opens) return opens;
    if (from < closes) return from;
  }
  throw new Error('The call window never opens');
}

/**
 * When a call should be placed: at `scheduleAt` (or now), moved to the window's next opening
 * when that falls outside it.
 */
export function placementTime(request: { scheduleAt?: string; window?: CallWindow }, now: Date): Date {
  const at = request.scheduleAt ? new Date(Math.max(Date.parse(request.scheduleAt), now.getTime())) : now;
  return request.window ? nextOpening(request.window, at) : at;
}
