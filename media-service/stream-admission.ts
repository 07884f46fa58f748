import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import type { CallRecord } from '../shared/call-record';
import { logger } from '../shared/logger';
import { CALLBACK_ID } from '../shared/patterns';
import { awaitingStream } from '../shared/stream-token';
import { isValidStreamSignature } from '../shared/twilio';
import type { BridgeDeps } from './call-bridge';
import { callCounts } from './telemetry';

const STREAM_PATH = /^\/media-stream\/([A-Za-z0-9._:%-]{1,400})\/?$/;

export interface AdmissionOptions {
  wss: WebSocketServer;
  /** How many streams may wait to authenticate with their token at once, upgrades in flight included. */
  maxUnauthenticated: number;
  /** The bridge's dependencies, once the service has its configuration. */
  deps(): BridgeDeps | undefined;
  draining(): boolean;
  liveCalls(): number;
  /** Live calls whose stream has not yet authenticated with its token. */
  unauthenticatedCalls(): number;
  /** An admitted stream: its call's bridge takes over `ws`. */
  open(ws: WebSocket, callbackId: string, deps: BridgeDeps, call: CallRecord): void;
}

/**
 * Admits Twilio Media Stream upgrades on `server`. An upgrade is refused (no model cost) unless
 * it is signed by Twilio for this URL and names a call waiting for its stream, and with 503
 * before the service is configured, while draining, at MAX_CALLS_PER_TASK, or while too many
 * streams wait to authenticate.
 */
export function admitMediaStreams(server: Server, options: AdmissionOptions): void {
  let upgradesInFlight = 0;
  /** Upgrades past the capacity check whose bridge does not exist yet. */
  let admitting = 0;

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const refuse = (status: number, text: string, why: string) => {
      logger.warn('Media stream upgrade refused', { status, why });
      if (status === 403) callCounts.refusedSignature++;
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (upgradesInFlight + options.unauthenticatedCalls() >= options.maxUnauthenticated) {
      return refuse(503, 'Service Unavailable', 'too many unauthenticated streams');
    }
    upgradesInFlight++;
    void (async () => {
      try {
        const deps = options.deps();
        if (!deps) return refuse(503, 'Service Unavailable', 'not ready');
        if (options.draining()) return refuse(503, 'Service Unavailable', 'draining');
        const path = new URL(req.url ?? '/', 'http://media').pathname;
        const match = STREAM_PATH.exec(path);
        const callbackId = match ? safeDecode(match[1]!) : undefined;
        if (!callbackId || !CALLBACK_ID.test(callbackId)) return refuse(404, 'Not Found', 'not a media stream path');
        const signature = req.headers['x-twilio-signature'];
        const streamUrl = `${deps.config.MEDIA_URL}/media-stream/${encodeURIComponent(callbackId)}`;
        if (!isValidStreamSignature(deps.config.TWILIO_AUTH_TOKEN ?? '', typeof signature === 'string' ? signature : undefined, streamUrl)) {
          return refuse(403, 'Forbidden', signature ? 'signature does not match' : 'no X-Twilio-Signature');
        }
        if (options.liveCalls() + admitting >= deps.config.MAX_CALLS_PER_TASK) {
          callCounts.refusedAtCap++;
          return refuse(503, 'Service Unavailable', 'at MAX_CALLS_PER_TASK');
        }
        // Counted from here until the bridge exists (ws calls back synchronously), so that
        // upgrades racing through the store lookup cannot overshoot the cap.
        admitting++;
        try {
          const call = await deps.store.get(callbackId);
          if (!call) return refuse(404, 'Not Found', 'unknown callbackId');
          // A signature stays valid for the record's life: only a call waiting for its one stream may open it.
          const waiting = awaitingStream(call, deps.now());
          if (!waiting.ok) return refuse(410, 'Gone', waiting.reason);
          if (options.draining()) return refuse(503, 'Service Unavailable', 'draining');
          options.wss.handleUpgrade(req, socket, head, (ws) => options.open(ws, callbackId, deps, call));
        } finally {
          admitting--;
        }
      } catch (error) {
        logger.error('Media stream upgrade failed', { error });
        refuse(500, 'Internal Server Error', 'upgrade failed');
      } finally {
        upgradesInFlight--;
      }
    })();
  });
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
