import type { calendar_v3 } from 'googleapis/build/src/apis/calendar';
import type { Config } from '../../../shared/config';
import { ToolError } from '../runner';
import { googleStatus, type GoogleClients } from '../google';
import type { Interval, WorkingHours } from './free-slots';

/** The few Calendar calls the tools make, with Google's failures turned into sentences for the agent. */

export const CALENDAR_UNAVAILABLE = 'I could not reach the calendar just now. Apologise and offer to follow up later.';

export function workingHours(c: Config): WorkingHours {
  return { timeZone: c.BUSINESS_TIMEZONE, startHour: c.WORKDAY_START_HOUR, endHour: c.WORKDAY_END_HOUR };
}

export async function busyIntervals(google: GoogleClients, window: Interval, signal: AbortSignal): Promise<Interval[]> {
  const response = await calendarCall(() =>
    google.calendar.freebusy.query(
      { requestBody: { timeMin: window.start.toISOString(), timeMax: window.end.toISOString(), items: [{ id: google.calendarId }] } },
      { signal },
    ),
  );
  const calendar = response.data.calendars?.[google.calendarId];
  if (!calendar || calendar.errors?.length) {
    throw new ToolError(CALENDAR_UNAVAILABLE, { cause: new Error(`freebusy: ${calendar?.errors?.map((e) => e.reason).join(', ') ?? 'calendar missing'}`) });
  }
  return (calendar.busy ?? []).flatMap((b) => (b.start && b.end ? [{ start: new Date(b.start), end: new Date(b.end) }] : []));
}

/** The event with this id, or undefined when the calendar has none (or only a cancelled one). */
export async function findEvent(google: GoogleClients, eventId: string, signal: AbortSignal): Promise<calendar_v3.Schema$Event | undefined> {
  try {
    const { data } = await google.calendar.events.get({ calendarId: google.calendarId, eventId }, { signal });
    return data.status === 'cancelled' ? undefined : data;
  } catch (error) {
    if (googleStatus(error) === 404 || googleStatus(error) === 410) return undefined;
    throw new ToolError(CALENDAR_UNAVAILABLE, { cause: error });
  }
}

/** Inserts the event under its own id; `duplicate` when that id is already taken. */
export async function insertEvent(
  google: GoogleClients,
  event: calendar_v3.Schema$Event & { id: string },
  signal: AbortSignal,
): Promise<{ created: calendar_v3.Schema$Event } | { duplicate: true }> {
  try {
    const invite = (event.attendees?.length ?? 0) > 0;
    const { data } = await google.calendar.events.insert(
      { calendarId: google.calendarId, sendUpdates: invite ? 'all' : 'none', requestBody: event },
      { signal },
    );
    return { created: data };
  } catch (error) {
    if (googleStatus(error) === 409) return { duplicate: true };
    throw new ToolError(CALENDAR_UNAVAILABLE, { cause: error });
  }
}

async function calendarCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new ToolError(CALENDAR_UNAVAILABLE, { cause: error });
  }
}
