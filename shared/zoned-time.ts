/**
 * Wall-clock time in a named time zone (the business's), with only `Intl`: reading the
 * local date and hour of an instant, the instant of a local date and hour (DST included),
 * and saying a time the way a person would on the phone.
 */

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

export function localParts(at: Date, timeZone: string): LocalDateTime {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(at).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday ?? ''),
  };
}

/** Minutes the zone is ahead of UTC at `at`. */
export function offsetMinutes(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/** The instant a local wall-clock time names (the later reading when a DST change makes it ambiguous). */
export function utcFromLocal(local: LocalDate & { hour: number; minute: number }, timeZone: string): Date {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  let guess = asUtc - offsetMinutes(new Date(asUtc), timeZone) * 60_000;
  const corrected = asUtc - offsetMinutes(new Date(guess), timeZone) * 60_000;
  if (corrected !== guess) guess = corrected;
  return new Date(guess);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function weekdayOf(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / 86_400_000);
}

/** `2026-12-01T15:00:00-05:00`: the instant in the zone's own terms, for the model to reason with. */
export function localIso(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  const offset = offsetMinutes(at, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:00${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** "today at 3 pm", "tomorrow at 10:30 am", "Tuesday at 3 pm", "Tuesday, March 10 at 9 am". */
export function spokenTime(at: Date, timeZone: string, now: Date): string {
  const local = localParts(at, timeZone);
  const ahead = daysBetween(localParts(now, timeZone), local);
  const day =
    ahead === 0
      ? 'today'
      : ahead === 1
        ? 'tomorrow'
        : ahead > 1 && ahead < 7
          ? WEEKDAYS[local.weekday]
          : `${WEEKDAYS[local.weekday]}, ${MONTHS[local.month - 1]} ${local.day}`;
  const hour12 = local.hour % 12 === 0 ? 12 : local.hour % 12;
  const minutes = local.minute === 0 ? '' : `:${String(local.minute).padStart(2, '0')}`;
  return `${day} at ${hour12}${minutes} ${local.hour < 12 ? 'am' : 'pm'}`;
}
