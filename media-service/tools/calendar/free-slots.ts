import { addDays, localParts, utcFromLocal, weekdayOf, type LocalDate } from '../../../shared/zoned-time';

/** Bookable hours: weekdays, [startHour, endHour) in the business's time zone. */
export interface WorkingHours {
  timeZone: string;
  startHour: number;
  endHour: number;
}

export interface Interval {
  start: Date;
  end: Date;
}

const STEP_MINUTES = 30;
/** Nothing is offered sooner than this from now. */
const LEAD_MINUTES = 30;
const SEARCH_DAYS = 7;
const MAX_SLOTS = 3;
/** Slots offered on one day are at least this far apart, so the caller gets a real choice. */
const SAME_DAY_GAP_MINUTES = 90;

export function isWeekday(date: LocalDate): boolean {
  const weekday = weekdayOf(date);
  return weekday >= 1 && weekday <= 5;
}

/** True when the interval lies on one weekday inside working hours. */
export function isWithinWorkingHours(interval: Interval, hours: WorkingHours): boolean {
  const start = localParts(interval.start, hours.timeZone);
  if (!isWeekday(start)) return false;
  const dayStart = utcFromLocal({ ...start, hour: hours.startHour, minute: 0 }, hours.timeZone);
  return interval.start >= dayStart && interval.end <= endOfWorkday(start, hours);
}

function endOfWorkday(date: LocalDate, hours: WorkingHours): Date {
  return hours.endHour === 24
    ? utcFromLocal({ ...addDays(date, 1), hour: 0, minute: 0 }, hours.timeZone)
    : utcFromLocal({ ...date, hour: hours.endHour, minute: 0 }, hours.timeZone);
}

/** Every bookable start of `durationMinutes` on the given local days, from `earliest` on, every 30 minutes. */
export function candidateSlots(days: LocalDate[], durationMinutes: number, hours: WorkingHours, earliest: Date): Interval[] {
  const slots: Interval[] = [];
  for (const day of days.filter(isWeekday)) {
    const closing = endOfWorkday(day, hours).getTime();
    let start = utcFromLocal({ ...day, hour: hours.startHour, minute: 0 }, hours.timeZone).getTime();
    for (; start + durationMinutes * 60_000 <= closing; start += STEP_MINUTES * 60_000) {
      if (start >= earliest.getTime()) slots.push({ start: new Date(start), end: new Date(start + durationMinutes * 60_000) });
    }
  }
  return slots;
}

/** The local days to search: the one asked for, or the next week starting today. */
export function searchDays(now: Date, hours: WorkingHours, day?: LocalDate): LocalDate[] {
  if (day) return [day];
  const today = localParts(now, hours.timeZone);
  return Array.from({ length: SEARCH_DAYS }, (_, i) => addDays(today, i));
}

/** The earliest start worth offering: a little ahead of now, on a half-hour boundary. */
export function earliestStart(now: Date): Date {
  const step = STEP_MINUTES * 60_000;
  return new Date(Math.ceil((now.getTime() + LEAD_MINUTES * 60_000) / step) * step);
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end;
}

/**
 * A few free slots worth offering: on one asked-for day, up to three spread over it; otherwise
 * the first free slot of each of the next days.
 */
export function pickSlots(candidates: Interval[], busy: Interval[], hours: WorkingHours, oneDay: boolean): Interval[] {
  const free = candidates.filter((slot) => !busy.some((b) => overlaps(slot, b)));
  const picked: Interval[] = [];
  for (const slot of free) {
    if (picked.length >= MAX_SLOTS) break;
    const last = picked.at(-1);
    if (!last) {
      picked.push(slot);
      continue;
    }
    const sameDay = dayKey(last.start, hours) === dayKey(slot.start, hours);
    if (oneDay ? slot.start.getTime() - last.start.getTime() >= SAME_DAY_GAP_MINUTES * 60_000 : !sameDay) picked.push(slot);
  }
  return picked;
}

function dayKey(at: Date, hours: WorkingHours): string {
  const p = localParts(at, hours.timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}
