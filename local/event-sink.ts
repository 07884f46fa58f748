import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { z } from 'zod';
import { Arrivals, readJsonBody } from './stand-in-http';
import type { SunkEvent } from './sunk-event';

export type { SunkEvent };

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
  const arrivals = new Arrivals<SunkEvent>('event');
  const events = arrivals.items;
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
    const parsed = putEventsSchema.safeParse(await readJsonBody(req));
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
      await appendFile(options.file, `${JSON.stringify(event)}\n`);
      arrivals.push(event);
      options.log?.(event);
      results.push({ EventId: randomUUID() });
    }
    reply(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    failNextEntries: (count) => {
      failing = count;
    },
    waitFor: (predicate, timeoutMs) => arrivals.waitFor(predicate, timeoutMs),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
