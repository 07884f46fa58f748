import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { API_VERSION, errorBody, first, rfc2822, sleep } from './format';
import type { CallRun } from './lifecycle';
import { messageResource } from './messages';
import type { SimRecording } from './recording';
import type { CallBehaviour, FormParams, RestFault, RestRequestRecord, SimCall, SimMessage } from './types';
import { readRequestText } from '../request-body';

/** What the REST layer needs from the simulator. */
export interface RestBackend {
  accountSid: string;
  authToken: string;
  behaviourFor(to: string): CallBehaviour;
  placeCall(params: FormParams, behaviour: CallBehaviour): CallRun;
  findCall(sid: string): CallRun | undefined;
  sendMessage(params: FormParams): SimMessage;
  findMessage(sid: string): SimMessage | undefined;
  findRecording(sid: string): SimRecording | undefined;
  requests: RestRequestRecord[];
}

class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  static from(fault: RestFault): RestError {
    return new RestError(fault.status, fault.code, fault.message);
  }
}

interface Reply {
  status: number;
  body: unknown;
  /** A body that is not JSON (recording audio). */
  file?: { contentType: string; data: Buffer };
  /** Runs after the response has been written. */
  after?: () => void;
}

interface RouteRequest {
  method: string;
  path: string;
  params: FormParams;
  match: RegExpExecArray;
}

type Route = { pattern: RegExp; methods: Record<string, (request: RouteRequest) => Promise<Reply>> };

const ACCOUNT = `/${API_VERSION}/Accounts/([^/]+)`;

/** The slice of Twilio's 2010-04-01 REST API that twilio-node uses for calls and SMS. */
export function createRestHandler(backend: RestBackend): RequestListener {
  const routes: Route[] = [
    { pattern: new RegExp(`^${ACCOUNT}/Calls\\.json$`), methods: { POST: createCall } },
    { pattern: new RegExp(`^${ACCOUNT}/Calls/([^/]+)\\.json$`), methods: { GET: fetchCall, POST: updateCall } },
    { pattern: new RegExp(`^${ACCOUNT}/Messages\\.json$`), methods: { POST: createMessage } },
    { pattern: new RegExp(`^${ACCOUNT}/Messages/([^/]+)\\.json$`), methods: { GET: fetchMessage } },
    { pattern: new RegExp(`^${ACCOUNT}/Recordings/(RE[0-9a-f]{32})(\\.wav|\\.json)?$`), methods: { GET: fetchRecording, DELETE: deleteRecording } },
  ];

  function requireRecording(sid: string | undefined, path: string): SimRecording {
    const recording = backend.findRecording(sid ?? '');
    if (!recording || recording.deleted) throw notFound(path);
    return recording;
  }

  /** The media (WAV, the default without an extension) or, with `.json`, the recording resource. */
  async function fetchRecording({ match, path }: RouteRequest): Promise<Reply> {
    const recording = requireRecording(match[2], path);
    if (match[3] === '.json') {
      return { status: 200, body: { sid: recording.sid, channels: recording.channels, duration: String(recording.durationSeconds), status: 'completed' } };
    }
    return { status: 200, body: undefined, file: { contentType: 'audio/x-wav', data: recording.wav() } };
  }

  async function deleteRecording({ match, path }: RouteRequest): Promise<Reply> {
    requireRecording(match[2], path).deleted = true;
    return { status: 204, body: undefined };
  }

  async function createCall({ params }: RouteRequest): Promise<Reply> {
    const to = first(params.To);
    const from = first(params.From);
    const url = first(params.Url);
    const twiml = first(params.Twiml);
    if (!to) throw new RestError(400, 21201, "No 'To' number is specified");
    if (!from) throw new RestError(400, 21213, "No 'From' number is specified");
    if (!url && !twiml && !first(params.ApplicationSid)) {
      throw new RestError(400, 21205, "Either a 'Url', 'ApplicationSid' or 'Twiml' parameter is required");
    }
    if (url && !isHttpUrl(url)) throw new RestError(400, 21205, `Url is not a valid URL: ${url}`);
    if (!url && twiml && twiml.length > 4000) throw new RestError(400, 21200, 'Twiml exceeds the 4000 character limit');
    for (const name of ['StatusCallback', 'FallbackUrl', 'RecordingStatusCallback', 'AsyncAmdStatusCallback']) {
      const value = first(params[name]);
      if (value && !isHttpUrl(value)) throw new RestError(400, 21205, `${name} is not a valid URL: ${value}`);
    }
    for (const name of ['Method', 'StatusCallbackMethod', 'FallbackMethod']) {
      const value = first(params[name]);
      if (value && !['GET', 'POST'].includes(value.toUpperCase())) {
        throw new RestError(400, 21200, `${name} must be GET or POST`);
      }
    }
    const behaviour = backend.behaviourFor(to);
    if (behaviour.createDelayMs) await sleep(behaviour.createDelayMs);
    if (behaviour.createError) throw RestError.from(behaviour.createError);
    const run = backend.placeCall(params, behaviour);
    return { status: 201, body: { ...callResource(run.call), status: 'queued' }, after: () => run.start() };
  }

  async function fetchCall({ match }: RouteRequest): Promise<Reply> {
    return { status: 200, body: callResource(requireCall(match[2]).call) };
  }

  async function updateCall({ match, params }: RouteRequest): Promise<Reply> {
    const run = requireCall(match[2]);
    const behaviour = backend.behaviourFor(run.call.to);
    if (behaviour.updateDelayMs) await sleep(behaviour.updateDelayMs);
    if (behaviour.updateError) throw RestError.from(behaviour.updateError);
    const single = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, first(value) ?? '']));
    const outcome = run.update(single);
    if (outcome.error) throw new RestError(outcome.status, outcome.error.code, outcome.error.message);
    return { status: outcome.status, body: callResource(run.call) };
  }

  async function createMessage({ params }: RouteRequest): Promise<Reply> {
    if (!first(params.To)) throw new RestError(400, 21604, "A 'To' phone number is required.");
    if (!first(params.From) && !first(params.MessagingServiceSid)) {
      throw new RestError(400, 21603, "A 'From' phone number is required.");
    }
    if (!first(params.Body) && !first(params.MediaUrl) && !first(params.ContentSid)) {
      throw new RestError(400, 21602, 'Message body is required.');
    }
    return { status: 201, body: messageResource(backend.sendMessage(params)) };
  }

  async function fetchMessage({ match, path }: RouteRequest): Promise<Reply> {
    const message = backend.findMessage(match[2] ?? '');
    if (!message) throw notFound(path);
    return { status: 200, body: messageResource(message) };
  }

  function requireCall(sid: string | undefined): CallRun {
    const run = backend.findCall(sid ?? '');
    if (!run) throw new RestError(404, 20404, `The requested resource /${API_VERSION}/Accounts/${backend.accountSid}/Calls/${sid}.json was not found`);
    return run;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://simulator');
    const params = method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(await readRequestText(req));
    const record: RestRequestRecord = { at: Date.now(), method, path: url.pathname, params, status: 0 };
    backend.requests.push(record);
    let reply: Reply;
    try {
      authenticate(req);
      const route = routes.find(({ pattern }) => pattern.test(url.pathname));
      const match = route?.pattern.exec(url.pathname);
      if (!route || !match) throw notFound(url.pathname);
      if (match[1] !== backend.accountSid) throw notFound(url.pathname);
      const action = route.methods[method];
      if (!action) throw new RestError(405, 20004, 'Method not allowed');
      reply = await action({ method, path: url.pathname, params, match });
    } catch (error) {
      const restError = error instanceof RestError ? error : new RestError(500, 20500, `Internal Server Error: ${String(error)}`);
      record.errorCode = restError.code;
      reply = { status: restError.status, body: errorBody(restError.status, restError.code, restError.message) };
      if (restError.status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="Twilio API"');
    }
    record.status = reply.status;
    const body = reply.file?.data ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
    const contentType = reply.file?.contentType ?? 'application/json; charset=utf-8';
    res.writeHead(reply.status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
    // Twilio carries on with the work even when the client gave up waiting for the answer.
    let afterDone = false;
    const runAfter = () => {
      if (afterDone) return;
      afterDone = true;
      reply.after?.();
    };
    if (res.destroyed) runAfter();
    else res.end(body, runAfter);
  }

  function authenticate(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    const decoded = scheme === 'Basic' && encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
    const separator = decoded.indexOf(':');
    const user = decoded.slice(0, separator);
    const password = decoded.slice(separator + 1);
    if (separator < 0 || user !== backend.accountSid || password !== backend.authToken) {
      throw new RestError(401, 20003, 'Authenticate');
    }
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(errorBody(500, 20500, String(error))));
    });
  };
}

/** The call resource JSON as Twilio returns it (snake_case, RFC 2822 dates, numbers as strings). */
export function callResource(call: SimCall): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${call.accountSid}/Calls/${call.sid}`;
  const lastChange = call.log.at(-1)?.at ?? call.createdAt;
  return {
    account_sid: call.accountSid,
    annotation: null,
    answered_by: call.answeredBy ?? null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(call.createdAt),
    date_updated: rfc2822(lastChange),
    direction: 'outbound-api',
    duration: call.endedAt === undefined ? null : String(call.duration ?? 0),
    end_time: call.endedAt === undefined ? null : rfc2822(call.endedAt),
    forwarded_from: null,
    from: call.from,
    from_formatted: call.from,
    group_sid: null,
    parent_call_sid: null,
    phone_number_sid: null,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid: call.sid,
    start_time: call.answeredAt === undefined ? null : rfc2822(call.answeredAt),
    status: call.status,
    subresource_uris: {
      notifications: `${uri}/Notifications.json`,
      recordings: `${uri}/Recordings.json`,
      streams: `${uri}/Streams.json`,
      events: `${uri}/Events.json`,
      payments: `${uri}/Payments.json`,
      siprec: `${uri}/Siprec.json`,
      transcriptions: `${uri}/Transcriptions.json`,
      user_defined_messages: `${uri}/UserDefinedMessages.json`,
      user_defined_message_subscriptions: `${uri}/UserDefinedMessageSubscriptions.json`,
    },
    to: call.to,
    to_formatted: call.to,
    trunk_sid: null,
    uri: `${uri}.json`,
  };
}

function notFound(path: string): RestError {
  return new RestError(404, 20404, `The requested resource ${path} was not found`);
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Form body to params; repeated names (StatusCallbackEvent) become arrays. */
function parseForm(body: string): FormParams {
  const params: FormParams = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const existing = params[key];
    params[key] = existing === undefined ? value : [existing, value].flat();
  }
  return params;
}
