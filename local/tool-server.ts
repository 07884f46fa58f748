import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyWebhook } from '../shared/webhook-signing';
import type { HttpToolRequest } from '../media-service/tools/http-tool';
import { readRequestText } from './request-body';

/** How the orchestrator's tool endpoint answers one request. */
export interface ToolAnswer {
  status?: number;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (a body that is not JSON). */
  raw?: string;
  /** Answer only after this long (a slow endpoint). */
  delayMs?: number;
}

export interface ReceivedToolRequest {
  path: string;
  /** The Standard Webhooks signature checked out with the shared secret. */
  verified: boolean;
  headers: Record<string, string | string[] | undefined>;
  body: HttpToolRequest | undefined;
}

export interface ToolServer {
  url: string;
  received: ReceivedToolRequest[];
  close(): Promise<void>;
}

/**
 * The orchestrator's side of per-call tools, on loopback: verifies each request's Standard
 * Webhooks signature (401 when it does not check out), then answers as `answer` says.
 */
export async function startToolServer(options: { secret: string; answer: (request: HttpToolRequest, path: string) => ToolAnswer }): Promise<ToolServer> {
  const received: ReceivedToolRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      const text = await readRequestText(req);
      let verified = false;
      try {
        verifyWebhook(options.secret, text, req.headers);
        verified = true;
      } catch {
        verified = false;
      }
      const body = verified ? (JSON.parse(text) as HttpToolRequest) : undefined;
      received.push({ path: req.url ?? '/', verified, headers: req.headers, body });
      if (!body) {
        res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'bad signature' }));
        return;
      }
      const answer = options.answer(body, req.url ?? '/');
      if (answer.delayMs) await sleep(answer.delayMs);
      if (res.destroyed) return;
      const payload = answer.raw ?? JSON.stringify(answer.json ?? {});
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' }).end(payload);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
