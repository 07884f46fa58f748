import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { FakeCalendars, type FakeEvent, type Invitation } from './calendar';
import { GoogleApiError, OAuthError } from './errors';
import { FakeGmail, type SentMessage } from './gmail';
import { TokenIssuer, type TokenRequestRecord } from './oauth';
import { listenOnLoopback } from '../fake-common/loopback-server';
import { readRequestText } from '../request-body';

export type { FakeEvent, Invitation, SentMessage, TokenRequestRecord };
export { createFakeServiceAccount, type FakeServiceAccount } from './service-account';

/**
 * Google APIs on loopback for the embedded stack: the OAuth token endpoint (service-account
 * JWT flow), Calendar free/busy and events, Gmail send. googleapis reaches it through its
 * `rootUrl` option; the state is real (a booked slot is busy afterwards).
 */

export type GoogleRoute = 'token' | 'freebusy' | 'events.get' | 'events.insert' | 'gmail.send';

export interface GoogleFault {
  status: number;
  message?: string;
  /** How many requests fail; the rest succeed. @default Infinity */
  times?: number;
}

export interface FakeGoogleOptions {
  serviceAccount: { clientEmail: string; publicKeyPem: string };
  /** Users the service account may impersonate (domain-wide delegation). */
  delegatedUsers?: string[];
  /** Calendars that exist. @default ['primary'] */
  calendars?: string[];
  /** @default 0 */
  port?: number;
}

export interface FakeGoogle {
  /** `http://127.0.0.1:P`, for googleapis' `rootUrl` (GOOGLE_API_ROOT_URL). */
  rootUrl: string;
  calendars: FakeCalendars;
  sentMail: SentMessage[];
  tokenRequests: TokenRequestRecord[];
  /** Every API request, for assertions. */
  requests: Array<{ route: GoogleRoute | 'unknown'; method: string; path: string; status: number }>;
  fail(route: GoogleRoute, fault: GoogleFault): void;
  delay(route: GoogleRoute, ms: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const CALENDAR_SCOPE = /^https:\/\/www\.googleapis\.com\/auth\/calendar(\.|$)/;
const GMAIL_SEND_SCOPE = /^https:\/\/(mail\.google\.com\/|www\.googleapis\.com\/auth\/gmail\.(send|compose|modify))$/;
const MAX_BODY_BYTES = 1024 * 1024;

export async function startFakeGoogle(options: FakeGoogleOptions): Promise<FakeGoogle> {
  const issuer = new TokenIssuer(options.serviceAccount, new Set(options.delegatedUsers ?? []));
  const calendars = new FakeCalendars(options.calendars ?? ['primary']);
  const gmail = new FakeGmail();
  const faults = new Map<GoogleRoute, GoogleFault & { remaining: number }>();
  const delays = new Map<GoogleRoute, number>();
  const requests: FakeGoogle['requests'] = [];

  const server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-google');
    const method = req.method ?? 'GET';
    const matched = route(method, url.pathname);
    const record = { route: matched?.name ?? ('unknown' as const), method, path: url.pathname, status: 0 };
    requests.push(record);
    let status = 200;
    let body: unknown;
    try {
      if (!matched) throw new GoogleApiError(404, `Not Found: ${method} ${url.pathname}`, 'notFound');
      const wait = delays.get(matched.name);
      if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
      injectFault(matched.name);
      const text = await readRequestText(req, { bytes: MAX_BODY_BYTES, error: () => new GoogleApiError(413, 'Request too large', 'uploadTooLarge') });
      body = answer(matched, req, url, text);
    } catch (error) {
      const known = error instanceof GoogleApiError || error instanceof OAuthError;
      const failure = known ? error : new GoogleApiError(500, `The fake failed: ${String(error)}`, 'backendError');
      status = failure.code;
      body = failure.toJSON();
    }
    record.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  function injectFault(name: GoogleRoute): void {
    const fault = faults.get(name);
    if (!fault || fault.remaining <= 0) return;
    fault.remaining -= 1;
    if (name === 'token') throw new OAuthError(fault.status, 'internal_failure', fault.message ?? 'Internal failure');
    throw new GoogleApiError(fault.status, fault.message ?? 'Backend Error', fault.status >= 500 ? 'backendError' : 'invalid');
  }

  function answer(matched: Matched, req: IncomingMessage, url: URL, text: string): unknown {
    if (matched.name === 'token') return issuer.issue(new URLSearchParams(text));
    const json = text ? safeJson(text) : undefined;
    if (matched.name === 'gmail.send') {
      const grant = issuer.authorize(req.headers.authorization, (scope) => GMAIL_SEND_SCOPE.test(scope));
      return gmail.send(matched.params[0]!, grant, json);
    }
    const grant = issuer.authorize(req.headers.authorization, (scope) => CALENDAR_SCOPE.test(scope));
    const organizer = grant.subject ?? options.serviceAccount.clientEmail;
    switch (matched.name) {
      case 'freebusy':
        return calendars.freeBusy(json);
      case 'events.get':
        return calendars.get(matched.params[0]!, matched.params[1]!);
      case 'events.insert':
        return calendars.insert(matched.params[0]!, json, organizer, url.searchParams.get('sendUpdates'));
    }
  }

  const port = await listenOnLoopback(server, options.port);

  return {
    rootUrl: `http://127.0.0.1:${port}`,
    calendars,
    sentMail: gmail.sent,
    tokenRequests: issuer.requests,
    requests,
    fail: (name, fault) => faults.set(name, { ...fault, remaining: fault.times ?? Infinity }),
    delay: (name, ms) => delays.set(name, ms),
    clearFaults: () => {
      faults.clear();
      delays.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Matched = { name: GoogleRoute; params: string[] };

const ROUTES: Array<{ name: GoogleRoute; method: string; pattern: RegExp }> = [
  { name: 'token', method: 'POST', pattern: /^\/token$/ },
  { name: 'freebusy', method: 'POST', pattern: /^\/calendar\/v3\/freeBusy$/ },
  { name: 'events.insert', method: 'POST', pattern: /^\/calendar\/v3\/calendars\/([^/]+)\/events$/ },
  { name: 'events.get', method: 'GET', pattern: /^\/calendar\/v3\/calendars\/([^/]+)\/events\/([^/]+)$/ },
  { name: 'gmail.send', method: 'POST', pattern: /^\/gmail\/v1\/users\/([^/]+)\/messages\/send$/ },
];

function route(method: string, path: string): Matched | undefined {
  for (const candidate of ROUTES) {
    const match = candidate.method === method ? candidate.pattern.exec(path) : null;
    if (match) return { name: candidate.name, params: match.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GoogleApiError(400, 'Invalid JSON payload received.', 'parseError');
  }
}
