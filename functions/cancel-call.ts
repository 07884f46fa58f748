import { z } from 'zod';
import { isTerminal, type CallRecord } from '../shared/call-record';
import { endReasonOf } from '../shared/end-reason';
import { BadGatewayError, ConflictError, NotFoundError } from '../shared/http-error';
import { callLogger } from '../shared/logger';
import { isTwilioRefusal } from '../shared/twilio';
import { createTwilioClient } from '../shared/twilio-client';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, json, type HttpHandler } from './lib/http';
import { endAtTwilio } from './lib/place-call';
import { authorizeCaller, parseJsonBody, pathCallbackId } from './lib/request';

export const cancelRequestSchema = z.strictObject({
  /** Hang up at once instead of letting the agent say goodbye first. */
  immediate: z.boolean().default(false),
});

export const cancelResponseSchema = z.object({
  success: z.literal(true),
  callbackId: z.string(),
  status: z.string(),
  cancel: z.object({ requestedAt: z.string(), immediate: z.boolean() }),
});

/**
 * `POST /calls/{callbackId}/cancel`: takes a call back in whatever state it is. A scheduled
 * call is unscheduled and ends `canceled`; a queued or ringing one is canceled at Twilio; a
 * live one hears the agent's goodbye (the media service watches for the cancel) or, with
 * `immediate`, is hung up at once. Repeating it is harmless; a call that already ended
 * some other way answers 409 with its state.
 */
export function createCancelCallHandler(deps: Deps): HttpHandler {
  return httpHandler(async (event) => {
    authorizeCaller(event, deps.config);
    const callbackId = pathCallbackId(event);
    const { immediate } = event.body ? parseJsonBody(event, cancelRequestSchema, 1_024) : { immediate: false };
    const now = deps.now().toISOString();

    const result = await deps.store.mutate(callbackId, (call) => cancelMutation(call, immediate, now));
    if (!result) throw new NotFoundError(`No call with callbackId ${callbackId}`);
    const { call } = result;
    if (!call.cancel) {
      throw new ConflictError('The call has already ended', 'call_finished', { status: call.status, endReason: endReasonOf(call) ?? null });
    }
    callLogger({ callbackId, callSid: call.callSid }).info('Call cancel', { status: call.status, immediate: call.cancel.immediate, repeated: !result.changed });
    await carryOut(deps, call);
    return json(isTerminal(call.status) ? 200 : 202, { success: true, callbackId, status: call.status, cancel: call.cancel });
  });
}

/** The cancel as a change to the call: a scheduled call ends here; any other open call is flagged. */
function cancelMutation(call: CallRecord, immediate: boolean, now: string): Partial<CallRecord> | undefined {
  if (isTerminal(call.status)) return undefined;
  if (call.cancel) return immediate && !call.cancel.immediate ? { cancel: { ...call.cancel, immediate } } : undefined;
  const cancel = { requestedAt: now, immediate };
  if (call.status !== 'scheduled') return { cancel };
  return {
    cancel,
    status: 'canceled',
    endedAt: now,
    statusHistory: [...call.statusHistory, { status: 'canceled', at: now, source: 'api', applied: true }],
  };
}

/** What the cancel takes at Twilio or the scheduler; safe to repeat, so a retried cancel finishes an interrupted one. */
async function carryOut(deps: Deps, call: CallRecord): Promise<void> {
  if (call.status === 'canceled' && !call.callSid) {
    if (call.scheduledFor) await deps.scheduler().unschedule({ callbackId: call.callbackId, scheduledFor: call.scheduledFor });
    await deps.completer.complete(call.callbackId, 'cancel');
    return;
  }
  // Without a CallSid Twilio is still creating the call; placing it carries out the cancel.
  if (isTerminal(call.status) || !call.callSid) return;
  const streaming = call.streamStartedAt !== undefined && call.streamEndedAt === undefined;
  const hangUp = call.cancel!.immediate || !streaming;
  try {
    // Twilio may have answered before its callback told us: a cancel it ignores is followed by a hang-up.
    const answered = call.status === 'in-progress' || streaming || (await endAtTwilio(deps, call.callSid, 'canceled')) === 'in-progress';
    if (answered && hangUp) await endAtTwilio(deps, call.callSid, 'completed');
    // Otherwise the media service sees the cancel and has the agent say goodbye.
  } catch (error) {
    if (isTwilioRefusal(error)) {
      throw new BadGatewayError(`Twilio refused the cancel: ${error.message}`, { twilioCode: error.code, twilioStatus: error.status }, 'twilio_error');
    }
    throw new BadGatewayError('Twilio did not answer in time; retry the cancel', undefined, 'twilio_unavailable');
  }
}

export const handler = lambdaEntry(createCancelCallHandler, ['API_KEY', 'TWILIO_AUTH_TOKEN'], createTwilioClient);
