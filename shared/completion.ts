import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallStore } from './call-store';
import { isReadyToComplete } from './call-lifecycle';
import type { CallRecord } from './call-record';
import type { ConcurrencyLimiter } from './concurrency';
import type { Config } from './config';
import { createDeliveryQueue, deliveriesFor } from './deliveries';
import { buildCallCompletedDetail, completionEventId, createEventPublisher, type CallCompletedDetail, type EventPublisher } from './events';
import { logger } from './logger';

/**
 * Work that goes with a call's event (freeing its slot, queueing its callbacks), done just
 * before the event is put, so a consumer reacting to the event finds the slot free; repeated
 * with the event if interrupted.
 */
export type CompletionFollowUp = (call: CallRecord, detail: CallCompletedDetail) => Promise<void>;

export type CompletionResult = 'published' | 'not-ready' | 'already-completed' | 'unknown-call';

/**
 * The join of a call's two halves: Twilio's terminal status and the media side's
 * finalized stream. Whichever side finishes last claims the completion with a
 * conditional write and publishes the one `Call Completed` event.
 */
export class CallCompleter {
  constructor(
    private readonly store: CallStore,
    private readonly publisher: EventPublisher,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
    private readonly followUps: readonly CompletionFollowUp[] = [],
  ) {}

  /**
   * Completes the call if both halves are done (or `force`, for the sweeper). `change`, the
   * caller's own update of the call (e.g. the media half recording its end), goes in the same
   * write as the claim: one read and one write where two of each would do the same.
   */
  async complete(
    callbackId: string,
    by: string,
    options: { force?: Partial<CallRecord>; change?: (call: CallRecord) => Partial<CallRecord> } = {},
  ): Promise<CompletionResult> {
    let claimed = false;
    const result = await this.store.mutate(callbackId, (call) => {
      const patch = options.change?.(call);
      claimed = !call.completion && (options.force !== undefined || isReadyToComplete({ ...call, ...patch }));
      if (!claimed) return patch;
      return {
        ...patch,
        ...options.force,
        completion: { eventId: completionEventId(callbackId), claimedAt: this.now().toISOString(), by },
      };
    });
    if (!result) return 'unknown-call';
    if (!claimed) return result.call.completion ? 'already-completed' : 'not-ready';
    await this.publish(callbackId);
    return 'published';
  }

  /** Publishes the event of a claimed call and marks it published; safe to repeat. */
  async publish(callbackId: string): Promise<void> {
    const details = await this.store.details(callbackId);
    if (!details?.call.completion) return;
    const detail = buildCallCompletedDetail(details);
    for (const followUp of this.followUps) await followUp(details.call, detail);
    await this.publisher.publishCallCompleted(detail);
    await this.store.mutate(
      callbackId,
      (call) => (call.completion && !call.completion.publishedAt ? { completion: { ...call.completion, publishedAt: this.now().toISOString() } } : undefined),
      details.call,
    );
    this.log.info('Call Completed event published', {
      callbackId,
      eventId: detail.eventId,
      outcome: detail.outcome,
      transcriptTurns: detail.transcript.length,
      transcriptComplete: detail.transcriptComplete,
    });
  }
}

/** The completer every process uses: the call's slot freed and its webhook and task deliveries queued, then the event on the bus. */
export function createCallCompleter(c: Config, store: CallStore, limiter: ConcurrencyLimiter, now?: () => Date): CallCompleter {
  const deliveries = createDeliveryQueue(c);
  return new CallCompleter(store, createEventPublisher(c), logger, now, [
    (call) => limiter.release(call.callbackId),
    async (call) => {
      if (deliveriesFor(call).length === 0) return;
      if (!deliveries) throw new Error('The call names a webhookUrl or taskToken but DELIVERY_QUEUE_URL is not set');
      await deliveries.enqueue(call);
    },
  ]);
}
