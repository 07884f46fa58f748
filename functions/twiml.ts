import { isTerminal } from '../shared/call-record';
import { callLogger, logger } from '../shared/logger';
import { issueStreamToken, STREAM_PARAMETERS } from '../shared/stream-token';
import { sayAndHangUpTwiml, streamTwiml } from '../shared/twilio';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, xml, type HttpHandler } from './lib/http';
import { verifyTwilioWebhook } from './lib/request';

const UNAVAILABLE = 'Sorry, this call cannot be connected right now. Goodbye.';
const STREAM_ENDED = 'Sorry, we lost the connection. Goodbye.';

/**
 * `GET|POST /twiml/outbound?callbackId=…`: the TwiML that connects an answered call to the
 * media service, carrying a fresh single-use stream token. Twilio never gets a 5xx here:
 * a call that cannot be connected is told so and hung up.
 */
export function createTwimlHandler(deps: Deps): HttpHandler {
  const { config: c, store } = deps;
  return httpHandler(async (event) => {
    const params = verifyTwilioWebhook(event, c.BASE_URL, c.TWILIO_AUTH_TOKEN ?? '');
    const callbackId = event.queryStringParameters?.callbackId ?? '';
    const log = callLogger({ callbackId, callSid: params.CallSid });
    try {
      const { token, mutation } = issueStreamToken(deps.now(), c.STREAM_TOKEN_TTL_SECONDS);
      const issued = callbackId
        ? await store.mutate(callbackId, (call) =>
            isTerminal(call.status) || call.completion
              ? undefined
              : { ...mutation, answeredBy: call.answeredBy ?? params.AnsweredBy, callSid: call.callSid ?? params.CallSid },
          )
        : undefined;
      if (!issued?.changed) {
        log.warn('TwiML requested for a call that cannot be connected', { known: Boolean(issued) });
        return xml(sayAndHangUpTwiml(UNAVAILABLE));
      }
      log.info('TwiML served', { answeredBy: params.AnsweredBy });
      return xml(
        streamTwiml({
          streamUrl: `${c.MEDIA_URL}/media-stream/${encodeURIComponent(callbackId)}`,
          parameters: { [STREAM_PARAMETERS.callbackId]: callbackId, [STREAM_PARAMETERS.token]: token },
          fallbackMessage: STREAM_ENDED,
        }),
      );
    } catch (error) {
      logger.error('TwiML could not be prepared', { error, callbackId });
      return xml(sayAndHangUpTwiml(UNAVAILABLE));
    }
  });
}

export const handler = lambdaEntry(createTwimlHandler, ['TWILIO_AUTH_TOKEN']);
