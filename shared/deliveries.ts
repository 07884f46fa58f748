import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { awsClientOptions } from './aws';
import type { CallRecord } from './call-record';
import type { Config } from './config';
import type { CallCompletedDetail } from './events';
import { signWebhook } from './webhook-signing';
import { resolvesOutside } from './webhook-target';

/** One delivery of a call's `Call Completed` event to a target the call named; what the queue carries. */
export const deliveryMessageSchema = z.object({ callbackId: z.string(), target: z.enum(['webhook', 'task']) });
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/** The webhook's `type`, per the Standard Webhooks payload convention. */
export const CALL_COMPLETED_WEBHOOK_TYPE = 'call.completed';
/** How long a webhook receiver has to answer before the attempt counts as failed. */
const WEBHOOK_TIMEOUT_MS = 15_000;
/** A delivery's retry delay doubles from DELIVERY_RETRY_BASE_SECONDS up to this. */
export const MAX_RETRY_DELAY_SECONDS = 3_600;
/** Step Functions answers these for a token that can never be completed: retrying is pointless. */
const DEAD_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/** The targets a call's event goes to besides the bus. */
export function deliveriesFor(call: CallRecord): DeliveryMessage[] {
  return [
    ...(call.request.webhookUrl ? [{ callbackId: call.callbackId, target: 'webhook' as const }] : []),
    ...(call.request.taskToken ? [{ callbackId: call.callbackId, target: 'task' as const }] : []),
  ];
}

/** Queues a call's deliveries; the queue retries them with backoff and keeps what never got through in its dead-letter queue. */
export class DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(call: CallRecord): Promise<void> {
    for (const message of deliveriesFor(call)) {
      await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
    }
  }

  /** Keeps a received message hidden for `seconds`: the backoff before its next attempt. */
  async retryIn(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  }
}

export function createDeliveryQueue(c: Config): DeliveryQueue | undefined {
  if (!c.DELIVERY_QUEUE_URL) return undefined;
  return new DeliveryQueue(new SQSClient(awsClientOptions(c.AWS_REGION, c.SQS_ENDPOINT)), c.DELIVERY_QUEUE_URL);
}

/** The delay before retry number `receiveCount` of a failed delivery. */
export function retryDelaySeconds(receiveCount: number, baseSeconds: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
}

/** How long deliveries are retried before they go to the dead-letter queue. */
export const DELIVERY_RETRY_WINDOW_SECONDS = 24 * 3_600;

/** Receives that span the retry window with the doubling delay: the queue's `maxReceiveCount`. */
export function deliveryAttempts(baseSeconds: number): number {
  let attempts = 1;
  for (let waited = 0; waited < DELIVERY_RETRY_WINDOW_SECONDS; attempts++) waited += retryDelaySeconds(attempts, baseSeconds);
  return attempts;
}

/** How a delivery attempt ended: done (including targets that can never take it), or worth retrying. */
export type DeliveryResult = { ok: true; note?: string } | { ok: false; reason: string };

export class CallbackDeliverer {
  constructor(
    private readonly c: Config,
    private readonly sfn: () => SFNClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async deliver(target: DeliveryMessage['target'], call: CallRecord, detail: CallCompletedDetail): Promise<DeliveryResult> {
    return target === 'webhook' ? this.postWebhook(call.request.webhookUrl!, detail) : this.completeTask(call, detail);
  }

  /** POSTs the event signed per Standard Webhooks; `webhook-id` is the eventId, the same on every retry. */
  private async postWebhook(url: string, detail: CallCompletedDetail): Promise<DeliveryResult> {
    const secret = this.c.WEBHOOK_SIGNING_SECRET;
    if (!secret) return { ok: false, reason: 'WEBHOOK_SIGNING_SECRET is not set' };
    if (!(await resolvesOutside(url, this.c).catch(() => false))) return { ok: false, reason: 'the webhook host resolves to an internal address' };
    const now = this.now();
    const body = JSON.stringify({ type: CALL_COMPLETED_WEBHOOK_TYPE, timestamp: now.toISOString(), data: detail });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'caller-engine', ...signWebhook(secret, body, { id: detail.eventId, now }) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (response.ok) return { ok: true };
      if (response.status === 410) return { ok: true, note: 'the receiver answered 410 Gone: it will never take this event' };
      return { ok: false, reason: `the receiver answered ${response.status}` };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Completes the call's `.waitForTaskToken` state: success with the event, or failure for the outcomes the call named. */
  private async completeTask(call: CallRecord, detail: CallCompletedDetail): Promise<DeliveryResult> {
    const taskToken = call.request.taskToken!;
    const fails = (call.request.taskFailureOutcomes as readonly string[] | undefined)?.includes(detail.outcome);
    try {
      if (fails) {
        await this.sfn().send(new SendTaskFailureCommand({ taskToken, error: taskErrorName(detail.outcome), cause: JSON.stringify(failureCause(detail)) }));
      } else {
        await this.sfn().send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(detail) }));
      }
      return { ok: true };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      if (DEAD_TOKEN_ERRORS.has(name)) return { ok: true, note: `Step Functions refused the token for good (${name})` };
      return { ok: false, reason: `${name}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}

/** `CallerEngine.NoAnswer`, `CallerEngine.Busy`, `CallerEngine.Failed`: names a state machine's Catch can match. */
export function taskErrorName(outcome: string): string {
  return `CallerEngine.${outcome.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')}`;
}

/** The part of the event a failed task carries as its cause (Step Functions allows 32 KB). */
function failureCause(detail: CallCompletedDetail) {
  const { eventId, callbackId, callSid, outcome, endReason, startedAt, endedAt, error, metadata } = detail;
  return { eventId, callbackId, callSid, outcome, endReason, startedAt, endedAt, error, metadata };
}

export function createCallbackDeliverer(c: Config): CallbackDeliverer {
  let sfn: SFNClient | undefined;
  return new CallbackDeliverer(c, () => (sfn ??= new SFNClient(awsClientOptions(c.AWS_REGION, c.SFN_ENDPOINT))));
}
