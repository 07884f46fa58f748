import { auth as googleAuth, calendar, type calendar_v3 } from 'googleapis/build/src/apis/calendar';
import { gmail, type gmail_v1 } from 'googleapis/build/src/apis/gmail';
import { missing, type Config } from '../../shared/config';

/**
 * Google Calendar and Gmail clients for a service account. The per-API modules are imported
 * instead of `googleapis` itself, which loads every Google API (~2 s at start-up).
 */
export interface GoogleClients {
  calendar: calendar_v3.Calendar;
  gmail: gmail_v1.Gmail;
  calendarId: string;
}

export const CALENDAR_SCOPES = [
  'https://www.googleapis.com/auth/calendar.events',
  'https://www.googleapis.com/auth/calendar.freebusy',
];
export const GMAIL_SCOPES = ['https://www.googleapis.com/auth/gmail.send'];
const GOOGLE_OAUTH_ORIGIN = 'https://oauth2.googleapis.com';

export class GoogleNotConfiguredError extends Error {
  override readonly name = 'GoogleNotConfiguredError';
}

/** The settings each Google tool needs; empty when it can run. */
export function missingGoogleSettings(c: Config, use: 'calendar' | 'gmail'): string[] {
  return missing(c, use === 'gmail' ? ['GOOGLE_CLIENT_EMAIL', 'GOOGLE_PRIVATE_KEY', 'GOOGLE_IMPERSONATED_USER'] : ['GOOGLE_CLIENT_EMAIL', 'GOOGLE_PRIVATE_KEY']);
}

const cache = new WeakMap<Config, GoogleClients>();

/** The clients for this configuration, built once (their access tokens are cached inside). */
export function googleClients(c: Config): GoogleClients {
  let clients = cache.get(c);
  if (!clients) {
    clients = createGoogleClients(c);
    cache.set(c, clients);
  }
  return clients;
}

function createGoogleClients(c: Config): GoogleClients {
  const absent = missingGoogleSettings(c, 'calendar');
  if (absent.length) throw new GoogleNotConfiguredError(`Google APIs are not configured: set ${absent.join(', ')}`);
  const rootUrl = c.GOOGLE_API_ROOT_URL ? `${c.GOOGLE_API_ROOT_URL}/` : undefined;
  // Domain-wide delegation: act as the impersonated user (needed for Gmail and for inviting attendees).
  const serviceAccount = (scopes: string[]) => {
    const jwt = new googleAuth.JWT({ email: c.GOOGLE_CLIENT_EMAIL, key: c.GOOGLE_PRIVATE_KEY, scopes, subject: c.GOOGLE_IMPERSONATED_USER });
    if (c.GOOGLE_API_ROOT_URL) redirectTokenEndpoint(jwt, c.GOOGLE_API_ROOT_URL);
    return jwt;
  };
  return {
    calendar: calendar({ version: 'v3', auth: serviceAccount(CALENDAR_SCOPES), rootUrl }),
    gmail: gmail({ version: 'v1', auth: serviceAccount(GMAIL_SCOPES), rootUrl }),
    calendarId: c.GOOGLE_CALENDAR_ID,
  };
}

/**
 * google-auth-library posts the service-account JWT to a fixed Google URL; with
 * GOOGLE_API_ROOT_URL set (the embedded stack's fake), that request goes to the same root,
 * like the API calls `rootUrl` already moves.
 */
function redirectTokenEndpoint(jwt: InstanceType<typeof googleAuth.JWT>, rootUrl: string): void {
  jwt.transporter.interceptors.request.add({
    resolved: async (options) => {
      const url = new URL(options.url);
      if (url.origin === GOOGLE_OAUTH_ORIGIN) options.url = new URL(`${url.pathname}${url.search}`, rootUrl);
      return options;
    },
  });
}

/** The HTTP status of a failed Google API call, if it got that far. */
export function googleStatus(error: unknown): number | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as { status?: unknown; response?: { status?: unknown } };
  const status = e.status ?? e.response?.status;
  return typeof status === 'number' ? status : undefined;
}
