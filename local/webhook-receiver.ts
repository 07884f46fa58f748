import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../shared/webhook-signing';
import { Arrivals } from './stand-in-http';
import { readRequestText } from './request-body';

export interface ReceivedWebhook {
  path: string;
  /** `webhook-id`: the event's eventId, the same on every retry. */
  id: string | undefined;
  /** The Standard Webhooks signature checked out with the shared secret (and was fresh). */
  verified: boolean;
  /** The parsed body of a verified delivery. */
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | undefined;
  /** The request as it arrived, for a verifier of one's own. */
  rawBody: string;
  headers: Record<string, string>;
  /** What the receiver answered. */
  status: number;
  at: number;
}

export interface WebhookReceiver {
  /** Base URL; any path under it receives (give each call its own to tell them apart). */
  url: string;
  received: ReceivedWebhook[];
  /** Answer the next `count` deliveries with `status` (a receiver having a bad minute). */
  failNext(count: number, status?: number): void;
  waitFor(predicate: (delivery: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

/**
 * An orchestrator's webhook endpoint on loopback: checks each delivery's Standard Webhooks
 * signature with the shared secret (401 when it does not check out), reports it through
 * `log`, and answers 204 unless told to fail.
 */
export async function startWebhookReceiver(options: { secret: string; log?: (delivery: ReceivedWebhook) => void }): Promise<WebhookReceiver> {
  const arrivals = new Arrivals<ReceivedWebhook>('webhook delivery');
  const received = arrivals.items;
  let failing = 0;
  let failStatus = 500;
  const server = createServer((req, res) => {
    void (async () => {
      const text = await readRequestText(req);
      let payload: ReceivedWebhook['payload'];
      try {
        payload = verifyWebhook(options.secret, text, req.headers) as ReceivedWebhook['payload'];
      } catch {
        payload = undefined;
      }
      const status = !payload ? 401 : failing > 0 ? failStatus : 204;
      if (payload && failing > 0) failing--;
      const delivery: ReceivedWebhook = {
        path: req.url ?? '/',
        id: typeof req.headers['webhook-id'] === 'string' ? req.headers['webhook-id'] : undefined,
        verified: payload !== undefined,
        payload,
        rawBody: text,
        headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)])),
        status,
        at: Date.now(),
      };
      arrivals.push(delivery);
      options.log?.(delivery);
      res.writeHead(status).end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    failNext: (count, status = 500) => {
      failing = count;
      failStatus = status;
    },
    waitFor: (predicate, timeoutMs) => arrivals.waitFor(predicate, timeoutMs),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
