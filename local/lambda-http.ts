import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpEvent, HttpHandler } from '../functions/lib/http';

/** API Gateway's own payload limit; the handlers enforce their tighter ones. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** How long the rest of an over-limit body is read and dropped before the 413 goes out anyway. */
const OVERSIZE_DRAIN_MS = 5_000;
const JSON_TYPE = { 'content-type': 'application/json' };

export interface LocalRoute {
  method: string;
  /** Path with `{name}` parameters, as in an API Gateway route key. */
  path: string;
  handler: HttpHandler;
}

export interface ExtraRoute {
  /** Serves a request outside the API routes (e.g. the dev console); returns false to pass. */
  (req: IncomingMessage, res: ServerResponse): boolean | Promise<boolean>;
  /** Takes a WebSocket upgrade (API Gateway HTTP APIs have none); returns false to refuse it with a 404. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
}

/**
 * Serves Lambda HTTP handlers on loopback the way API Gateway (HTTP API, payload v2) invokes
 * them: each request becomes the same event shape, with the raw body, headers and query.
 */
export interface LambdaHttpServer {
  url: string;
  server: Server;
  /** Routes are set after listening, so handlers can be built knowing the server's own URL. */
  setRoutes(routes: LocalRoute[], extra?: ExtraRoute): void;
  close(): Promise<void>;
}

export async function serveLambdaRoutes(port: number): Promise<LambdaHttpServer> {
  let compiled: Array<LocalRoute & { match: ReturnType<typeof compilePath> }> = [];
  let extra: ExtraRoute | undefined;
  const server = createServer(async (req, res) => {
    try {
      if (extra && (await extra(req, res))) return;
      if (!isWellEncoded(req.url ?? '/')) {
        return send(res, 400, JSON_TYPE, errorBody('bad_request', 'The path or query has a malformed percent-encoding'));
      }
      const url = new URL(req.url ?? '/', 'http://local');
      const method = req.method ?? 'GET';
      const route = compiled.find((r) => r.method === method && r.match(url.pathname));
      if (!route) return send(res, 404, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Not Found' }));
      const body = await readBody(req);
      if (body === undefined) {
        return send(res, 413, { ...JSON_TYPE, connection: 'close' }, errorBody('payload_too_large', `The request body exceeds ${MAX_BODY_BYTES} bytes`));
      }
      const event = toEvent(req, url, route.path, route.match(url.pathname)!, body);
      const result = await route.handler(event);
      const payload = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
      send(res, result.statusCode ?? 200, stringHeaders(result.headers), payload);
    } catch {
      send(res, 500, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Internal Server Error' }));
    }
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (extra?.upgrade?.(req, socket, head)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    setRoutes: (routes, extraRoute) => {
      compiled = routes.map((route) => ({ ...route, match: compilePath(route.path) }));
      extra = extraRoute;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function compilePath(template: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const regex = new RegExp(`^${pattern}$`);
  return (path) => {
    const m = regex.exec(path);
    if (!m) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(m[i + 1]!)]));
  };
}

function toEvent(req: IncomingMessage, url: URL, routePath: string, pathParameters: Record<string, string>, body: Buffer): HttpEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  const rawQueryString = (req.url ?? '').split('?')[1] ?? '';
  const method = req.method ?? 'GET';
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: `${method} ${routePath}`,
    rawPath: url.pathname,
    rawQueryString,
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(pathParameters).length ? pathParameters : undefined,
    body: body.length ? body.toString('utf8') : undefined,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: `${method} ${routePath}`,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}

/**
 * The body, or undefined past the limit. An over-limit body is still read to its end (for at most
 * OVERSIZE_DRAIN_MS) and dropped: closing on a client that is still sending resets the connection
 * before it can read the 413.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let drainTimer: NodeJS.Timeout | undefined;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      if (drainTimer) return;
      chunks.length = 0;
      drainTimer = setTimeout(() => resolve(undefined), OVERSIZE_DRAIN_MS);
    });
    req.on('end', () => {
      clearTimeout(drainTimer);
      resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      clearTimeout(drainTimer);
      reject(error);
    });
  });
}

/** False when a `%` is not followed by an escape that decodes (API Gateway refuses those too). */
function isWellEncoded(pathAndQuery: string): boolean {
  try {
    decodeURIComponent(pathAndQuery);
    return true;
  } catch {
    return false;
  }
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (res.headersSent) return;
  res.writeHead(status, headers);
  res.end(body);
}
