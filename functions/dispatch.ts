import { dispatchInputSchema, type DispatchInput } from '../shared/call-scheduler';
import { parseWindowSetting, placementTime } from '../shared/call-window';
import { HttpError } from '../shared/http-error';
import { callLogger } from '../shared/logger';
import { createTwilioClient } from '../shared/twilio-client';
import { lambdaEntry, type Deps } from './lib/deps';
import { placeCall } from './lib/place-call';

/** How long a call that found the account at MAX_CONCURRENT_CALLS waits before it tries again. */
export const BUSY_RETRY_SECONDS = 60;

export type DispatchResult = 'placed' | 'not-scheduled' | 'deferred' | 'failed';

/**
 * Invoked by a call's one-time schedule (EventBridge Scheduler in AWS, the embedded
 * scheduler locally): places the call if it is still scheduled for this time. A call whose
 * window has closed meanwhile, or that finds the account at its concurrency cap, is
 * scheduled again for later. A schedule that fires twice places one call.
 */
export function createDispatcher(deps: Deps): (event: DispatchInput) => Promise<{ result: DispatchResult }> {
  const { store } = deps;
  return async (event) => {
    const input = dispatchInputSchema.parse(event);
    const log = callLogger({ callbackId: input.callbackId });
    const call = await store.get(input.callbackId);
    if (!call || call.status !== 'scheduled' || call.cancel || call.scheduledFor !== input.scheduledFor) {
      log.info('Schedule fired for a call no longer scheduled at this time', { status: call?.status });
      return { result: 'not-scheduled' };
    }
    const now = deps.now();
    const c = deps.config;
    const window = call.request.callWindow ?? (c.DEFAULT_CALL_WINDOW ? parseWindowSetting(c.DEFAULT_CALL_WINDOW, c.BUSINESS_TIMEZONE) : undefined);
    const due = placementTime({ window }, now);
    if (due.getTime() > now.getTime()) return { result: await defer(deps, input, due, 'the call window is closed') };
    if (!(await deps.limiter.acquire(call.callbackId))) {
      return { result: await defer(deps, input, new Date(now.getTime() + BUSY_RETRY_SECONDS * 1000), 'MAX_CONCURRENT_CALLS reached') };
    }

    const claimed = await store.mutate(call.callbackId, (current) =>
      current.status === 'scheduled' && !current.cancel && current.scheduledFor === input.scheduledFor
        ? { status: 'initiating', statusHistory: [...current.statusHistory, { status: 'initiating', at: now.toISOString(), source: 'api', applied: true }] }
        : undefined,
    );
    if (!claimed?.changed) {
      await deps.limiter.release(call.callbackId);
      return { result: 'not-scheduled' };
    }
    try {
      await placeCall(deps, claimed.call);
      return { result: 'placed' };
    } catch (error) {
      // A refusal failed the call: nobody waits on a response to retry it, so its event tells the caller.
      log.error('Scheduled call could not be placed', { code: error instanceof HttpError ? error.code : 'unknown' });
      const current = await store.get(call.callbackId);
      if (current?.status === 'failed') await deps.completer.complete(call.callbackId, 'dispatch');
      return { result: 'failed' };
    }
  };
}

/** Moves the call to a later time: a new schedule first, then the record (a stale schedule finds nothing to do). */
async function defer(deps: Deps, input: DispatchInput, until: Date, why: string): Promise<DispatchResult> {
  const scheduledFor = new Date(Math.ceil(until.getTime() / 1000) * 1000).toISOString();
  await deps.scheduler().schedule({ callbackId: input.callbackId, scheduledFor });
  const moved = await deps.store.mutate(input.callbackId, (current) =>
    current.status === 'scheduled' && current.scheduledFor === input.scheduledFor ? { scheduledFor } : undefined,
  );
  if (!moved?.changed) await deps.scheduler().unschedule({ callbackId: input.callbackId, scheduledFor });
  callLogger({ callbackId: input.callbackId }).info('Scheduled call deferred', { why, scheduledFor });
  return 'deferred';
}

export const handler = lambdaEntry(createDispatcher, ['TWILIO_AUTH_TOKEN'], createTwilioClient);
