import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';

/** One PutEvents entry as it was put on the bus (what a rule would match on). */
export interface SunkEvent {
  source: string;
  'detail-type': string;
  detail: unknown;
  eventBusName?: string;
  time: string;
}

export interface EventSink {
  endpoint: string;
  events: SunkEvent[];
  /** Refuse the next `count` entries with a partial-failure answer, like EventBridge under throttling. */
  failNextEntries(count: number): void;
  waitFor(predicate: (event: SunkEvent) => boolean, timeoutMs?: number): Promise<SunkEvent>;
  close(): Promise<void>;
}

const putEventsSchema = z.object({
  Entries: z
    .array(
      z.object({
        Source: z.string(),
        DetailType: z.string(),
        Detail: z.string(),
        EventBusName: z.string().optional(),
      }),
    )
    .min(1)
    .max(10),
});

/**
 * The embedded stack's EventBridge: answers the AWS SDK's PutEvents calls (AWS JSON 1.1 over
 * HTTP), logs each event and appends it as one JSON line to `file`.
 */
export async function startEventSink(options: { file: string; log?: (event: SunkEvent) => void }): Promise<EventSink> {
  const events: SunkEvent[] = [];
  const waiters = new Set<() => void>();
  let failing = 0;
  await mkdir(dirname(options.file), { recursive: true });

  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
      return reply(400, { __type: 'UnknownOperationException', message: 'Only PutEvents is supported' });
    }
    const parsed = putEventsSchema.safeParse(await readJson(req));
    if (!parsed.success) return reply(400, { __type: 'ValidationException', message: parsed.error.message });
    const results = [];
    for (const entry of parsed.data.Entries) {
      if (failing > 0) {
        failing--;
        results.push({ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' });
        continue;
      }
      const event: SunkEvent = {
        source: entry.Source,
        'detail-type': entry.DetailType,
        detail: JSON.parse(entry.Detail),
        eventBusName: entry.EventBusName,
        time: new Date().toISOString(),
      };
      events.push(event);
      await appendFile(options.file, `${JSON.stringify(event)}\n`);
      options.log?.(event);
      results.push({ EventId: randomUUID() });
    }
    waiters.forEach((wake) => wake());
    reply(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    failNextEntries: (count) => {
      failing = count;
    },
    waitFor: (predicate, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(predicate);
          if (!found) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`No matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
