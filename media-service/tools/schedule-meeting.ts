import { createHash } from 'node:crypto';
import type { calendar_v3 } from 'googleapis/build/src/apis/calendar';
import { z } from 'zod';
import { ToolError } from './runner';
import { busyIntervals, findEvent, insertEvent, workingHours } from './calendar/calendar-api';
import { isWithinWorkingHours, overlaps, type Interval } from './calendar/free-slots';
import { localIso, spokenTime } from '../../shared/zoned-time';
import type { ToolContext, ToolDefinition } from './types';

const parameters = z.object({
  start: z.iso.datetime({ offset: true }).describe('The slot start exactly as check_availability returned it.'),
  durationMinutes: z.number().int().min(15).max(120).default(30).describe('Meeting length in minutes.'),
  attendeeEmail: z.email().optional().describe("The caller's e-mail address, if they gave one, for a calendar invitation."),
  title: z.string().trim().min(1).max(120).optional().describe('A short title for the meeting.'),
});

const DEFAULT_TITLE = 'Follow-up call';

/**
 * The calendar event id of a booking: derived from the call and the slot, so a retried tool
 * call (or the model asking twice) finds its own booking instead of making a second one.
 * Hex digits are valid in Google's base32hex event ids.
 */
export function bookingEventId(callbackId: string, start: Date): string {
  return `ce${createHash('sha256').update(`${callbackId}|${start.toISOString()}`).digest('hex').slice(0, 40)}`;
}

/** Books a meeting on the business calendar: re-checks the slot, inserts the event once per call and slot, confirms. */
export const scheduleMeetingTool: ToolDefinition<typeof parameters> = {
  name: 'schedule_meeting',
  description:
    'Books a meeting at a time from check_availability, once the caller has agreed to it. Returns a confirmation to read back to the caller.',
  parameters,
  timeoutMs: 10_000,
  async execute(args, context) {
    const hours = workingHours(context.config);
    const slot: Interval = { start: new Date(args.start), end: new Date(Date.parse(args.start) + args.durationMinutes * 60_000) };
    if (slot.start <= context.now()) throw new ToolError('That time has already passed. Offer the caller another time.');
    if (!isWithinWorkingHours(slot, hours)) {
      throw new ToolError(`That time is outside working hours (weekdays ${hours.startHour}:00 to ${hours.endHour}:00). Offer a time from check_availability.`);
    }
    const google = context.services.google();
    const eventId = bookingEventId(context.callbackId, slot.start);

    const existing = await findEvent(google, eventId, context.signal);
    if (existing) return confirmation(existing, slot, context, true);

    const busy = await busyIntervals(google, slot, context.signal);
    if (busy.some((b) => overlaps(b, slot))) throw new ToolError('That time was just taken. Apologise and offer the caller another time.');

    const inserted = await insertEvent(google, eventRequest(eventId, slot, args, context), context.signal);
    if ('created' in inserted) return confirmation(inserted.created, slot, context, false);
    // Another attempt of this same booking got there first: it is ours.
    const raced = await findEvent(google, eventId, context.signal);
    if (!raced) throw new ToolError('That time could not be booked. Offer the caller another time.');
    return confirmation(raced, slot, context, true);
  },
};

function eventRequest(
  id: string,
  slot: Interval,
  args: z.infer<typeof parameters>,
  context: ToolContext,
): calendar_v3.Schema$Event & { id: string } {
  const timeZone = context.config.BUSINESS_TIMEZONE;
  return {
    id,
    summary: args.title ?? DEFAULT_TITLE,
    description: [`Booked by the Caller Engine agent during a phone call to ${context.to}.`, `callbackId: ${context.callbackId}`].join('\n'),
    start: { dateTime: slot.start.toISOString(), timeZone },
    end: { dateTime: slot.end.toISOString(), timeZone },
    ...(args.attendeeEmail ? { attendees: [{ email: args.attendeeEmail }] } : {}),
  };
}

function confirmation(event: calendar_v3.Schema$Event, slot: Interval, context: ToolContext, alreadyBooked: boolean) {
  const timeZone = context.config.BUSINESS_TIMEZONE;
  return {
    booked: true,
    alreadyBooked,
    eventId: event.id,
    start: localIso(slot.start, timeZone),
    end: localIso(slot.end, timeZone),
    spoken: spokenTime(slot.start, timeZone, context.now()),
    title: event.summary ?? DEFAULT_TITLE,
    invited: event.attendees?.map((a) => a.email).filter(Boolean) ?? [],
  };
}
