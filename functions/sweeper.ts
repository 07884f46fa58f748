import { applyStatusCallback, statusCallbackSchema } from '../shared/call-lifecycle';
import { isTerminal, type CallRecord } from '../shared/call-record';
import { callLogger, logger } from '../shared/logger';
import { createTwilioClient } from '../shared/twilio-client';
import { lambdaEntry, type Deps } from './lib/deps';

export type SweepAction = 'republish' | 'complete-lost-media' | 'complete-without-status' | 'ask-twilio' | 'leave';

/**
 * What to do with an open call whose sweep time has passed. The store only lists a call
 * once its expected end plus SWEEP_AFTER_SECONDS has passed, so "still open" here means a
 * half of the completion join is missing for good.
 */
export function sweepAction(call: CallRecord): SweepAction {
  if (call.completion) return call.completion.publishedAt ? 'leave' : 'republish';
  if (isTerminal(call.status)) return 'complete-lost-media';
  if (call.callSid) return 'ask-twilio';
  return 'complete-without-status';
}

/** Completes calls whose media side died, whose final status never came, or whose event was not yet published. */
export function createSweeper(deps: Deps): () => Promise<{ swept: number; actions: Record<string, number> }> {
  const { store, completer } = deps;
  const lostMedia = (call: CallRecord): Partial<CallRecord> =>
    call.streamStartedAt && !call.streamEndedAt
      ? {
          transcriptComplete: false,
          streamEndedAt: deps.now().toISOString(),
          error: call.error ?? { code: 'media_lost', message: 'The media stream ended without being finalized' },
        }
      : {};

  return async () => {
    const due = await store.dueForSweep();
    const actions: Record<string, number> = {};
    for (const call of due) {
      const action = sweepAction(call);
      actions[action] = (actions[action] ?? 0) + 1;
      const log = callLogger({ callbackId: call.callbackId, callSid: call.callSid });
      try {
        switch (action) {
          case 'republish':
            await completer.publish(call.callbackId);
            break;
          case 'complete-lost-media':
            await completer.complete(call.callbackId, 'sweeper', { force: lostMedia(call) });
            break;
          case 'ask-twilio':
            await applyTwilioStatus(deps, call, lostMedia);
            break;
          case 'complete-without-status':
            await completer.complete(call.callbackId, 'sweeper', {
              force: { ...lostMedia(call), status: 'failed', error: { code: 'no_final_status', message: 'The call was never placed or never reported an end' } },
            });
            break;
          case 'leave':
            break;
        }
        log.info('Swept call', { action });
      } catch (error) {
        log.error('Sweep failed for call; will retry next run', { action, error });
      }
    }
    const released = await releaseFinishedSlots(deps);
    if (released) actions['release-slot'] = released;
    if (due.length || released) logger.info('Sweep finished', { swept: due.length, actions });
    return { swept: due.length, actions };
  };
}

/**
 * Gives back the concurrency slots of calls that completed without giving theirs back (a
 * process died between the event and the release). A holder without a record yet is a
 * call being created, and is left alone.
 */
async function releaseFinishedSlots(deps: Deps): Promise<number> {
  let released = 0;
  for (const callbackId of await deps.limiter.holders()) {
    const call = await deps.store.get(callbackId);
    if (!call?.completion) continue;
    await deps.limiter.release(callbackId);
    released++;
  }
  return released;
}

/** Asks Twilio for the call's current status and applies it as if its callback had arrived. */
async function applyTwilioStatus(deps: Deps, call: CallRecord, lostMedia: (call: CallRecord) => Partial<CallRecord>): Promise<void> {
  const remote = await deps.twilio().calls(call.callSid!).fetch();
  const callback = statusCallbackSchema.parse({
    CallSid: remote.sid,
    CallStatus: remote.status,
    CallDuration: remote.duration ?? undefined,
    AnsweredBy: remote.answeredBy ?? undefined,
    Timestamp: remote.endTime ? remote.endTime.toUTCString() : undefined,
  });
  const result = await deps.store.mutate(call.callbackId, (current) => applyStatusCallback(current, callback, deps.now()));
  if (result && isTerminal(result.call.status)) {
    await deps.completer.complete(call.callbackId, 'sweeper', { force: lostMedia(result.call) });
  }
}

export const handler = lambdaEntry(createSweeper, ['TWILIO_AUTH_TOKEN'], createTwilioClient);
