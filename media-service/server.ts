import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { CallStore, callStoreSettings, createDynamoClient } from '../shared/call-store';
import { createCallCompleter } from '../shared/completion';
import { ConcurrencyLimiter } from '../shared/concurrency';
import type { Config } from '../shared/config';
import { logger } from '../shared/logger';
import type { TwilioClient } from '../shared/twilio';
import { createTwilioClient } from '../shared/twilio-client';
import { VERSION } from '../shared/version';
import { CancelWatch } from './bridge/cancel-watch';
import type { BridgeOutcome } from './bridge/call-ending';
import { CallBridge, type BridgeDeps } from './call-bridge';
import { admitMediaStreams } from './stream-admission';
import { TurnWriter } from './transcript/turn-writer';
import { callCounts } from './telemetry';
import { waitAtMost } from '../shared/wait-at-most';

/** Twilio frames are tiny; a message this large is an attack or a bug, and closes the stream (1009). */
const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * Streams that have not yet authenticated with their token, per process: each costs memory and a
 * start timer. Every new call passes through this state until its token is checked (a store
 * write), so the bound must hold a burst of arrivals: 64 is 2.5 s of calls placed at 25 a second
 * (at 32, a 200-call benchmark saw a call refused while store writes queued).
 */
export const MAX_UNAUTHENTICATED_STREAMS = 64;

/** What the media service is started with besides its configuration: the provider registry at least. */
export type MediaServiceDeps = Partial<BridgeDeps> & Pick<BridgeDeps, 'providerFactory'>;

export interface MediaService {
  url: string;
  /** Starts accepting streams with this configuration (the URL is known before the configuration is). */
  attach(c: Config, deps: MediaServiceDeps): void;
  activeCalls(): number;
  /** Ends one live call as failed (`internal_error`); false when no live call has that id. */
  failCall(callbackId: string, error: Error): boolean;
  /** Refuses new streams, waits for live calls up to `timeoutMs`, then ends the rest (counted as cut by drain). */
  drain(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The media service: `GET /health` and the Twilio Media Stream WebSocket, whose upgrades
 * `admitMediaStreams` admits or refuses. `/health` is liveness only: it answers 200 while the
 * process serves, however busy, so a full task is never replaced.
 */
export async function startMediaService(options: {
  port: number;
  host?: string;
  /** @default MAX_UNAUTHENTICATED_STREAMS */
  maxUnauthenticatedStreams?: number;
}): Promise<MediaService> {
  let deps: BridgeDeps | undefined;
  let draining = false;
  const active = new Set<{ bridge: CallBridge; done: Promise<unknown> }>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  const server = createServer((req, res) =>
    answerHttp(req, res, () => ({ draining, activeCalls: active.size, maxCalls: deps?.config.MAX_CALLS_PER_TASK })),
  );

  admitMediaStreams(server, {
    wss,
    maxUnauthenticated: options.maxUnauthenticatedStreams ?? MAX_UNAUTHENTICATED_STREAMS,
    deps: () => deps,
    draining: () => draining,
    liveCalls: () => active.size,
    unauthenticatedCalls: () => [...active].filter((entry) => !entry.bridge.authenticated).length,
    open: (ws, callbackId, bridgeDeps, call) => {
      const bridge = new CallBridge(ws, callbackId, bridgeDeps, call);
      const entry = { bridge, done: Promise.resolve() as Promise<unknown> };
      entry.done = bridge.run().then(countCall).finally(() => active.delete(entry));
      active.add(entry);
    },
  });

  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}`,
    attach(c, overrides) {
      deps = bridgeDeps(c, overrides);
    },
    activeCalls: () => active.size,
    failCall(callbackId, error) {
      const entry = [...active].find((candidate) => candidate.bridge.callbackId === callbackId);
      entry?.bridge.fault(error);
      return entry !== undefined;
    },
    async drain(timeoutMs) {
      draining = true;
      logger.info('Draining media service', { activeCalls: active.size, timeoutMs });
      const all = () => Promise.all([...active].map((entry) => entry.done));
      const finished = await waitAtMost(all(), timeoutMs);
      if (!finished) {
        logger.warn('Drain timeout reached; ending remaining calls', { activeCalls: active.size });
        callCounts.cutByDrain += active.size;
        for (const entry of active) entry.bridge.close(1001, 'media service shutting down');
        await all();
      }
    },
    async close() {
      draining = true;
      for (const entry of active) entry.bridge.close(1001, 'media service shutting down');
      await Promise.all([...active].map((entry) => entry.done));
      deps?.cancels.stop();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `GET /health` with the service's state, and 404 for anything else. */
function answerHttp(req: IncomingMessage, res: ServerResponse, state: () => { draining: boolean; activeCalls: number; maxCalls: number | undefined }): void {
  if (req.method === 'GET' && (req.url === '/health' || req.url?.startsWith('/health?'))) {
    const { draining, activeCalls, maxCalls } = state();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: draining ? 'draining' : 'ok', draining, activeCalls, maxCalls, version: VERSION }));
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not_found', message: 'Not found' } }));
}

/** What every call's bridge shares: the store, completion, cancel watch and transcript writer built from `c`, unless given. */
function bridgeDeps(c: Config, overrides: MediaServiceDeps): BridgeDeps {
  const db = createDynamoClient(c);
  const store = overrides.store ?? new CallStore(db, callStoreSettings(c));
  let twilio: TwilioClient | undefined;
  return {
    config: c,
    store,
    completer: overrides.completer ?? createCallCompleter(c, store, new ConcurrencyLimiter(db, c.TABLE_NAME, c.MAX_CONCURRENT_CALLS)),
    cancels: new CancelWatch(store, c.CANCEL_POLL_SECONDS * 1000),
    turns: new TurnWriter(store),
    twilio: overrides.twilio ?? (() => (twilio ??= createTwilioClient(c))),
    now: overrides.now ?? (() => new Date()),
    providerFactory: overrides.providerFactory,
    onTurn: overrides.onTurn,
    onToolCall: overrides.onToolCall,
    startTimeoutMs: overrides.startTimeoutMs,
    pingIntervalMs: overrides.pingIntervalMs,
  };
}

function countCall(outcome: BridgeOutcome): void {
  if (!outcome.authenticated) return;
  callCounts.started++;
  if (outcome.transcriptComplete) callCounts.completed++;
  else callCounts.failed++;
}
