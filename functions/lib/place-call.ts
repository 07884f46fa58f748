import { statusRank, type CallRecord } from '../../shared/call-record';
import { BadGatewayError, HttpError, TooManyRequestsError } from '../../shared/http-error';
import { callLogger } from '../../shared/logger';
import { isTwilioRefusal } from '../../shared/twilio';
import type { Deps } from './deps';

/** What a caller over MAX_CONCURRENT_CALLS is told to wait before trying again. */
export const CONCURRENCY_RETRY_AFTER_SECONDS = 30;

/** Takes a concurrency slot for the call, or refuses with 429 `concurrency_limit`. */
export async function acquireSlot(deps: Deps, callbackId: string): Promise<void> {
  if (await deps.limiter.acquire(callbackId)) return;
  throw new TooManyRequestsError(
    `MAX_CONCURRENT_CALLS (${deps.limiter.max}) calls are in progress; retry later`,
    CONCURRENCY_RETRY_AFTER_SECONDS,
    'concurrency_limit',
  );
}

/**
 * Asks Twilio to place a call already claimed in the store (state `initiating`, holding a
 * concurrency slot) and records its CallSid. A cancel that came in while Twilio was
 * creating the call is carried out at once.
 */
export async function placeCall(deps: Deps, call: CallRecord): Promise<{ callSid: string; status: CallRecord['status'] }> {
  const c = deps.config;
  const { request } = call;
  const log = callLogger({ callbackId: call.callbackId });
  const id = encodeURIComponent(call.callbackId);
  try {
    const created = await deps.twilio().calls.create({
      to: request.to,
      from: request.from,
      url: `${c.BASE_URL}/twiml/outbound?callbackId=${id}`,
      method: 'POST',
      // Twilio's second try when the TwiML fetch fails: an apology and a hang-up.
      fallbackUrl: `${c.BASE_URL}/twiml/fallback?callbackId=${id}`,
      fallbackMethod: 'POST',
      statusCallback: `${c.BASE_URL}/webhooks/call-status?callbackId=${id}`,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      record: request.record,
      ...(request.record
        ? {
            recordingChannels: 'dual',
            recordingStatusCallback: `${c.BASE_URL}/webhooks/recording-status?callbackId=${id}`,
            recordingStatusCallbackMethod: 'POST',
            recordingStatusCallbackEvent: ['completed'],
          }
        : {}),
      ...(request.machineDetection ? { machineDetection: 'DetectMessageEnd' } : {}),
      // Twilio's hard stop, a little after the agent's own goodbye at maxDurationSeconds.
      timeLimit: (request.maxDurationSeconds ?? c.MAX_CALL_DURATION_SECONDS) + 30,
    });
    const stored = await deps.store.mutate(call.callbackId, (current) => ({
      callSid: created.sid,
      status: statusRank(current.status) < statusRank('queued') ? 'queued' : current.status,
      statusHistory: [...current.statusHistory, { status: 'queued', at: deps.now().toISOString(), source: 'api', applied: true }],
    }));
    log.appendPersistentKeys({ callSid: created.sid });
    log.info('Call placed', { to: request.to, provider: call.provider, record: request.record });
    if (stored?.call.cancel) await endAtTwilio(deps, created.sid, 'canceled');
    return { callSid: created.sid, status: stored?.call.status ?? 'queued' };
  } catch (error) {
    throw await twilioFailure(deps, call.callbackId, error);
  }
}

/**
 * Ends a call at Twilio: `canceled` stops one that is queued or ringing (Twilio ignores it
 * once answered), `completed` hangs up one in progress. Resolves to the call's status as
 * Twilio then reports it.
 */
export async function endAtTwilio(deps: Deps, callSid: string, status: 'canceled' | 'completed'): Promise<string> {
  const updated = await deps.twilio().calls(callSid).update({ status });
  return updated.status;
}

/**
 * A refusal from Twilio fails the call (a retry may try again) and frees its slot; a
 * timeout leaves it `initiating`, since Twilio may have placed it: its callbacks will move it on.
 */
async function twilioFailure(deps: Deps, callbackId: string, error: unknown): Promise<HttpError> {
  if (isTwilioRefusal(error)) {
    const details = { twilioCode: error.code, twilioStatus: error.status, moreInfo: error.moreInfo };
    await deps.store.mutate(callbackId, (current) => ({
      status: 'failed',
      error: { code: `twilio_${error.code ?? error.status}`, message: error.message },
      statusHistory: [
        ...current.statusHistory,
        { status: 'failed', at: deps.now().toISOString(), source: 'api', applied: true, errorCode: String(error.code ?? error.status), errorMessage: error.message },
      ],
    }));
    await deps.limiter.release(callbackId);
    return new BadGatewayError(`Twilio refused the call: ${error.message}`, details, 'twilio_error');
  }
  if (error instanceof HttpError) return error;
  const message = error instanceof Error ? error.message : String(error);
  callLogger({ callbackId }).error('Twilio did not answer the create request', { error: message });
  return new BadGatewayError('Twilio did not answer in time; the call may still be placed', { reason: message }, 'twilio_unavailable');
}
