import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { POLICY_VIOLATION } from '../../media-service/call-bridge';
import { NotFoundError } from '../../shared/http-error';
import { logger } from '../../shared/logger';
import { CALLBACK_ID_SOURCE } from '../../shared/patterns';
import type { ExtraRoute } from '../lambda-http';
import type { LocalStack } from '../stack';
import { buildConsoleAssets, type Asset } from './assets';
import { BrowserCallEdge, type PlacedBrowserCall } from './browser-edge';
import { callPage, summarizeCall } from './call-views';
import { describeEnvironment } from './environment';
import { apiRoute, readJson, sendJson, type RouteHandler } from './http';
import { LiveFeed } from './live-feed';
import { relayMediaStream, type RelayOutcome } from './media-relay';
import { TicketBook } from './tickets';
import type { PlacedBrowserCallReply } from './wire';

export const CONSOLE_PATH = '/console';
const MEDIA_STREAM_PATH = `${CONSOLE_PATH}/media-stream`;
const RECENT_CALLS = 100;

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/**
 * The dev console on the API port (`npm run dev`): the page, its JSON API behind the API key,
 * live updates as server-sent events, and the Media Stream relay for calls whose far end is
 * the browser. Pass it to `startLocalStack({ extraRoute: devConsole })`.
 */
export function devConsole(stack: LocalStack): ExtraRoute {
  const assets = buildConsoleAssets();
  const live = new LiveFeed(stack);
  const edge = new BrowserCallEdge(stack.deps);
  const endBrowserCall = (call: PlacedBrowserCall, failure?: { code: string; message: string }) =>
    edge
      .hangUp(call, failure)
      .then(() => live.publish({ type: 'call', callbackId: call.callbackId, change: 'ended' }))
      .catch((error: unknown) => logger.error('Ending a browser call failed', { error, callbackId: call.callbackId }));
  const tickets = new TicketBook<PlacedBrowserCall>((call) =>
    endBrowserCall(call, { code: 'browser_not_connected', message: 'The browser never opened the media stream' }),
  );
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  assets.catch((error: unknown) => logger.error('Console assets failed to build', { error }));

  const api = (handle: RouteHandler) => apiRoute(stack.apiKey, handle);
  const routes: Array<{ method: string; path: RegExp; handle: RouteHandler }> = [
    { method: 'GET', path: /^\/console\/api\/environment$/, handle: api((_req, res) => sendJson(res, 200, describeEnvironment(stack))) },
    {
      method: 'GET',
      path: /^\/console\/api\/calls$/,
      handle: api(async (_req, res) => sendJson(res, 200, { calls: (await stack.deps.store.recent(RECENT_CALLS)).map(summarizeCall) })),
    },
    {
      method: 'GET',
      path: new RegExp(`^/console/api/calls/(?<callbackId>${CALLBACK_ID_SOURCE})$`),
      handle: api(async (_req, res, { callbackId }) => {
        const details = await stack.deps.store.details(callbackId!);
        if (!details) throw new NotFoundError(`No call with callbackId ${callbackId}`);
        const event = stack.events.events.find((e) => (e.detail as { callbackId?: string }).callbackId === callbackId);
        sendJson(res, 200, callPage(details, event));
      }),
    },
    {
      method: 'POST',
      path: /^\/console\/api\/browser-calls$/,
      handle: api(async (req, res) => {
        const call = await edge.place(await readJson(req));
        live.publish({ type: 'call', callbackId: call.callbackId, change: 'placed' });
        const { callbackId, callSid, accountSid, streamToken } = call;
        const reply: PlacedBrowserCallReply = { callbackId, callSid, accountSid, streamToken, ticket: tickets.issue(call), mediaStreamPath: MEDIA_STREAM_PATH };
        sendJson(res, 201, reply);
      }),
    },
    { method: 'GET', path: /^\/console\/api\/live$/, handle: api((req, res) => live.subscribe(req, res)) },
    { method: 'GET', path: /^\/console\/?$/, handle: serveAsset(assets, 'index.html') },
    { method: 'GET', path: /^\/console\/assets\/(?<name>[\w.-]+)$/, handle: (req, res, { name }) => serveAsset(assets, name!)(req, res, {}) },
  ];

  const route: ExtraRoute = async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://console').pathname;
    if (path !== CONSOLE_PATH && !path.startsWith(`${CONSOLE_PATH}/`)) return false;
    for (const candidate of routes) {
      const match = candidate.path.exec(path);
      if (!match || candidate.method !== req.method) continue;
      await candidate.handle(req, res, { ...match.groups });
      return true;
    }
    sendJson(res, 404, { error: { code: 'not_found', message: 'Not found' } });
    return true;
  };

  route.upgrade = (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://console');
    if (url.pathname !== MEDIA_STREAM_PATH) return false;
    // Only the console's own page may spend a ticket.
    if (!isSameOrigin(req)) return refuse(socket, '403 Forbidden');
    const call = tickets.redeem(url.searchParams.get('ticket'));
    if (!call) return refuse(socket, '401 Unauthorized');
    sockets.handleUpgrade(req, socket, head, (browser) => {
      const path = `/media-stream/${encodeURIComponent(call.callbackId)}`;
      void relayMediaStream(browser, {
        connectUrl: `${stack.mediaUrl}${path}`,
        signedUrl: `${stack.config.MEDIA_URL}${path}`,
        authToken: stack.config.TWILIO_AUTH_TOKEN ?? '',
      }).then((outcome) => endBrowserCall(call, refusal(outcome)));
    });
    return true;
  };
  return route;
}

/** Why the media service would not take the stream, if it would not: the call then ends as failed. */
function refusal({ connected, closeCode, closeReason }: RelayOutcome): { code: string; message: string } | undefined {
  if (!connected) return { code: 'media_stream_refused', message: 'The media service refused the stream' };
  if (closeCode === POLICY_VIOLATION) return { code: 'media_stream_refused', message: closeReason ?? 'The media service refused the stream' };
  return undefined;
}

function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function refuse(socket: Duplex, status: string): true {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  return true;
}

function serveAsset(assets: Promise<Map<string, Asset>>, name: string): RouteHandler {
  return async (_req: IncomingMessage, res: ServerResponse) => {
    const asset = (await assets).get(name);
    if (!asset) return sendJson(res, 404, { error: { code: 'not_found', message: 'Not found' } });
    res.writeHead(200, { 'content-type': asset.contentType, ...PAGE_HEADERS });
    res.end(asset.body);
  };
}
