import { createHash, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { readJsonBody } from './stand-in-http';

interface StoredMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
}

export interface LocalQueueOptions {
  name: string;
  /** Seconds a received message stays hidden unless the consumer says otherwise. @default 30 */
  visibilityTimeoutSeconds?: number;
  /** Receives after which a message moves to the dead-letter queue, as a redrive policy does. @default 5 */
  maxReceiveCount?: number;
  /** How often the event source mapping looks for visible messages. @default 100 */
  pollIntervalMs?: number;
}

export interface LocalQueue {
  endpoint: string;
  url: string;
  /** Messages still on the queue (visible or in flight). */
  messages(): ReadonlyArray<Readonly<StoredMessage>>;
  /** Messages the redrive policy moved out. */
  deadLetters: StoredMessage[];
  /** The consumer, invoked like Lambda's SQS event source mapping (batches, partial batch failures). */
  setConsumer(consume: (event: SQSEvent) => Promise<SQSBatchResponse>): void;
  close(): Promise<void>;
}

/**
 * The embedded stack's SQS queue with its event source mapping: answers the AWS SDK's
 * SendMessage and ChangeMessageVisibility (JSON protocol), hands visible messages to the
 * consumer in batches, deletes what it did not report as failed, and moves a message to its
 * dead-letter list once it has been received `maxReceiveCount` times.
 */
export async function startLocalQueue(options: LocalQueueOptions): Promise<LocalQueue> {
  const visibility = options.visibilityTimeoutSeconds ?? 30;
  const maxReceives = options.maxReceiveCount ?? 5;
  const queue: StoredMessage[] = [];
  const deadLetters: StoredMessage[] = [];
  let consume: ((event: SQSEvent) => Promise<SQSBatchResponse>) | undefined;
  let polling = false;

  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = (await readJsonBody(req)) as Record<string, unknown> | undefined;
    if (target === 'AmazonSQS.SendMessage' && typeof body?.MessageBody === 'string') {
      const message: StoredMessage = { messageId: randomUUID(), body: body.MessageBody, sentAt: Date.now(), receiveCount: 0, visibleAt: Date.now() };
      queue.push(message);
      return reply(res, 200, { MessageId: message.messageId, MD5OfMessageBody: createHash('md5').update(message.body).digest('hex') });
    }
    if (target === 'AmazonSQS.ChangeMessageVisibility' && typeof body?.ReceiptHandle === 'string') {
      const message = queue.find((m) => m.receiptHandle === body.ReceiptHandle);
      if (!message) return error(res, 'ReceiptHandleIsInvalid', 'The receipt handle is not valid');
      message.visibleAt = Date.now() + Number(body.VisibilityTimeout ?? 0) * 1000;
      return reply(res, 200, {});
    }
    return error(res, 'UnsupportedOperation', `${target} is not supported by the local queue`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${endpoint}/000000000000/${options.name}`;

  const poll = async () => {
    if (polling || !consume) return;
    polling = true;
    try {
      const now = Date.now();
      const batch: StoredMessage[] = [];
      for (const message of queue.filter((m) => m.visibleAt <= now)) {
        if (message.receiveCount >= maxReceives) {
          queue.splice(queue.indexOf(message), 1);
          deadLetters.push(message);
          continue;
        }
        if (batch.length < 10) batch.push(message);
      }
      if (batch.length === 0) return;
      for (const message of batch) {
        message.receiveCount++;
        message.receiptHandle = randomUUID();
        message.visibleAt = now + visibility * 1000;
      }
      let failed = new Set(batch.map((m) => m.messageId));
      try {
        const result = await consume({ Records: batch.map((m) => toRecord(m, options.name)) });
        failed = new Set(result.batchItemFailures.map((f) => f.itemIdentifier));
      } catch (err) {
        console.error(`[queue ${options.name}] consumer failed:`, err instanceof Error ? err.message : err);
      }
      for (const message of batch) {
        if (!failed.has(message.messageId)) queue.splice(queue.indexOf(message), 1);
      }
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), options.pollIntervalMs ?? 100);
  timer.unref();

  return {
    endpoint,
    url,
    messages: () => queue,
    deadLetters,
    setConsumer: (consumer) => {
      consume = consumer;
    },
    close: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function toRecord(message: StoredMessage, queueName: string): SQSEvent['Records'][number] {
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle!,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(message.sentAt),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:local:000000000000:${queueName}`,
    awsRegion: 'local',
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, type: string, message: string): void {
  res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': `${type};Sender` });
  res.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }));
}
