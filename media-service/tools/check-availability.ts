import { z } from 'zod';
import { busyIntervals, workingHours } from './calendar/calendar-api';
import { candidateSlots, earliestStart, pickSlots, searchDays } from './calendar/free-slots';
import { localIso, spokenTime } from '../../shared/zoned-time';
import type { ToolDefinition } from './types';

const parameters = z.object({
  day: z.iso
    .date()
    .optional()
    .describe('A day the caller asked about, YYYY-MM-DD in the business time zone. Omit it to get the next free times.'),
  durationMinutes: z.number().int().min(15).max(120).default(30).describe('Meeting length in minutes.'),
});

/** Google Calendar free/busy on the business calendar, within working hours, as a few slots the agent can offer. */
export const checkAvailabilityTool: ToolDefinition<typeof parameters> = {
  name: 'check_availability',
  description:
    'Finds a few free meeting times on the business calendar. Offer the caller the "spoken" times; keep the "start" of the one they pick for schedule_meeting.',
  parameters,
  timeoutMs: 8_000,
  async execute({ day, durationMinutes }, context) {
    const hours = workingHours(context.config);
    const now = context.now();
    const requested = day ? { year: Number(day.slice(0, 4)), month: Number(day.slice(5, 7)), day: Number(day.slice(8, 10)) } : undefined;
    const candidates = candidateSlots(searchDays(now, hours, requested), durationMinutes, hours, earliestStart(now));
    if (candidates.length === 0) {
      return { timeZone: hours.timeZone, slots: [], note: 'There are no bookable times then. Working hours are weekdays only.' };
    }
    const window = { start: candidates[0]!.start, end: candidates.at(-1)!.end };
    const busy = await busyIntervals(context.services.google(), window, context.signal);
    const slots = pickSlots(candidates, busy, hours, requested !== undefined);
    return {
      timeZone: hours.timeZone,
      slots: slots.map((slot) => ({
        start: localIso(slot.start, hours.timeZone),
        end: localIso(slot.end, hours.timeZone),
        spoken: spokenTime(slot.start, hours.timeZone, now),
      })),
      ...(slots.length === 0 ? { note: 'The calendar is full then. Offer to look at another day.' } : {}),
    };
  },
};
