import { callLogger } from '../shared/logger';
import { sayAndHangUpTwiml } from '../shared/twilio';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, xml, type HttpHandler } from './lib/http';
import { verifyTwilioWebhook } from './lib/request';

export const FALLBACK_MESSAGE = 'Sorry, we cannot take this call right now. Please expect a call back. Goodbye.';

/**
 * `POST /twiml/fallback?callbackId=…`: the call's `fallbackUrl`. Twilio fetches it when the
 * TwiML at `url` failed (an error, a timeout, a throttled request); it apologises and hangs up,
 * touching nothing else, so it still answers while the rest of the API is in trouble.
 */
export function createTwimlFallbackHandler(deps: Deps): HttpHandler {
  const { config: c } = deps;
  return httpHandler(async (event) => {
    const params = verifyTwilioWebhook(event, c.BASE_URL, c.TWILIO_AUTH_TOKEN ?? '');
    const log = callLogger({ callbackId: event.queryStringParameters?.callbackId ?? '', callSid: params.CallSid });
    log.warn('Twilio fell back: the call TwiML could not be fetched', { errorCode: params.ErrorCode, errorUrl: params.ErrorUrl });
    return xml(sayAndHangUpTwiml(FALLBACK_MESSAGE));
  });
}

export const handler = lambdaEntry(createTwimlFallbackHandler, ['TWILIO_AUTH_TOKEN']);
