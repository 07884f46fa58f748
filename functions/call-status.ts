import { applyStatusCallback, statusCallbackSchema } from '../shared/call-lifecycle';
import { isTerminal } from '../shared/call-record';
import { BadRequestError, NotFoundError } from '../shared/http-error';
import { callLogger } from '../shared/logger';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, noContent, type HttpHandler } from './lib/http';
import { verifyTwilioWebhook } from './lib/request';

/**
 * `POST /webhooks/call-status?callbackId=…`: applies a signed Twilio status callback
 * (duplicates and late arrivals change nothing) and completes the call when this was the
 * last half missing.
 */
export function createCallStatusHandler(deps: Deps): HttpHandler {
  const { config: c, store, completer } = deps;
  return httpHandler(async (event) => {
    const params = verifyTwilioWebhook(event, c.BASE_URL, c.TWILIO_AUTH_TOKEN ?? '');
    const callbackId = event.queryStringParameters?.callbackId;
    if (!callbackId) throw new BadRequestError('The callbackId query parameter is required');
    const parsed = statusCallbackSchema.safeParse(params);
    if (!parsed.success) {
      throw new BadRequestError('Not a call status callback', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
    }
    const callback = parsed.data;
    const log = callLogger({ callbackId, callSid: callback.CallSid });
    log.info('Call status callback', {
      CallStatus: callback.CallStatus,
      SequenceNumber: callback.SequenceNumber,
      SipResponseCode: callback.SipResponseCode,
      AnsweredBy: callback.AnsweredBy,
      CallDuration: callback.CallDuration,
      ErrorCode: callback.ErrorCode,
      ErrorMessage: callback.ErrorMessage,
    });

    const result = await store.mutate(callbackId, (call) =>
      call.callSid && call.callSid !== callback.CallSid ? undefined : applyStatusCallback(call, callback, deps.now()),
    );
    if (!result) throw new NotFoundError(`No call with callbackId ${callbackId}`);
    if (!result.changed) {
      log.info('Status callback changed nothing (duplicate, stale or for another CallSid)');
      return noContent();
    }
    if (isTerminal(result.call.status)) {
      const completion = await completer.complete(callbackId, 'call-status');
      log.info('Completion after terminal status', { completion });
    }
    return noContent();
  });
}

export const handler = lambdaEntry(createCallStatusHandler, ['TWILIO_AUTH_TOKEN']);
