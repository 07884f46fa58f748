import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createCallbackDeliverer, createDeliveryQueue, deliveryMessageSchema, retryDelaySeconds, type CallbackDeliverer } from '../shared/deliveries';
import { buildCallCompletedDetail } from '../shared/events';
import { callLogger, logger } from '../shared/logger';
import { lambdaEntry, type Deps } from './lib/deps';

/**
 * Fed by the delivery queue: sends each completed call's event to the webhookUrl or Step
 * Functions task the call named. A failed attempt stays on the queue, hidden for a delay
 * that doubles each time (up to an hour); the queue's redrive policy moves it to the
 * dead-letter queue after about 24 hours of attempts.
 */
export function createDeliveryWorker(deps: Deps, deliverer: CallbackDeliverer = createCallbackDeliverer(deps.config)) {
  const queue = createDeliveryQueue(deps.config);
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(record.body);
      } catch {
        parsed = undefined;
      }
      const message = deliveryMessageSchema.safeParse(parsed);
      if (!message.success) {
        logger.error('Dropped a delivery message that is not one', { messageId: record.messageId });
        continue;
      }
      const { callbackId, target } = message.data;
      const log = callLogger({ callbackId });
      const attempt = Number(record.attributes.ApproximateReceiveCount ?? 1);
      const details = await deps.store.details(callbackId);
      if (!details?.call.completion) {
        log.error('Dropped a delivery for a call that is unknown or not completed', { target });
        continue;
      }
      const result = await deliverer.deliver(target, details.call, buildCallCompletedDetail(details));
      if (result.ok) {
        log.info('Call Completed delivered', { target, attempt, note: result.note });
        continue;
      }
      const delay = retryDelaySeconds(attempt, deps.config.DELIVERY_RETRY_BASE_SECONDS);
      log.warn('Call Completed delivery failed; will retry', { target, attempt, retryInSeconds: delay, reason: result.reason });
      await queue?.retryIn(record.receiptHandle, delay).catch((error: unknown) => log.error('Could not set the retry delay', { error }));
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return { batchItemFailures };
  };
}

export const handler = lambdaEntry(createDeliveryWorker, ['WEBHOOK_SIGNING_SECRET']);
