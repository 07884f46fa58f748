import { isAnsweringMachine, takesVoicemail } from '../shared/answered-by';
import { isTerminal } from '../shared/call-record';
import { callLogger, logger } from '../shared/logger';
import { grantStreamToken, STREAM_PARAMETERS } from '../shared/stream-token';
import { sayAndHangUpTwiml, streamTwiml } from '../shared/twilio';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, xml, type HttpHandler } from './lib/http';
import { verifyTwilioWebhook } from './lib/request';

const UNAVAILABLE = 'Sorry, this call cannot be connected right now. Goodbye.';
const STREAM_ENDED = 'Sorry, we lost the connection. Goodbye.';

/**
 * `GET|POST /twiml/outbound?callbackId=…`: the TwiML that connects an answered call to the
 * media service, carrying the call's single-use stream token. Twilio never gets a 5xx here:
 * a call that cannot be connected is told so and hung up.
 */
export function createTwimlHandler(deps: Deps): HttpHandler {
  const { config: c, store } = deps;
  return httpHandler(async (event) => {
    const params = verifyTwilioWebhook(event, c.BASE_URL, c.TWILIO_AUTH_TOKEN ?? '');
    const callbackId = event.queryStringParameters?.callbackId ?? '';
    const log = callLogger({ callbackId, callSid: params.CallSid });
    try {
      if (isAnsweringMachine(params.AnsweredBy)) return xml(await answerMachine(deps, callbackId, params));
      let token: string | undefined;
      let refusal = 'unknown call';
      const fetch = { key: c.TWILIO_AUTH_TOKEN ?? '', callSid: params.CallSid, now: deps.now(), ttlSeconds: c.STREAM_TOKEN_TTL_SECONDS };
      const issued = callbackId
        ? await store.mutate(callbackId, (call) => {
            const grant = grantStreamToken(call, fetch);
            token = grant.ok ? grant.token : undefined;
            if (!grant.ok) {
              refusal = grant.reason;
              return undefined;
            }
            return { ...grant.mutation, answeredBy: call.answeredBy ?? params.AnsweredBy, callSid: call.callSid ?? params.CallSid };
          })
        : undefined;
      if (!issued?.changed || !token) {
        log.warn('TwiML requested for a call that cannot be connected', { reason: refusal });
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

/**
 * Synchronous AMD (`DetectMessageEnd`) fetches this TwiML only after the greeting and beep,
 * with `AnsweredBy` set: a machine gets the call's voicemail message (or nothing) and a
 * hang-up, and no media stream or model session is opened.
 */
async function answerMachine(deps: Deps, callbackId: string, params: Record<string, string>): Promise<string> {
  const log = callLogger({ callbackId, callSid: params.CallSid });
  const updated = callbackId
    ? await deps.store.mutate(callbackId, (call) =>
        isTerminal(call.status) || call.completion
          ? undefined
          : { answeredBy: params.AnsweredBy, callSid: call.callSid ?? params.CallSid, outcomeOverride: 'voicemail' },
      )
    : undefined;
  if (!updated?.changed) {
    log.warn('Answering machine on a call that cannot be connected', { known: Boolean(updated) });
    return sayAndHangUpTwiml(undefined);
  }
  const message = takesVoicemail(params.AnsweredBy) ? updated.call.request.voicemailMessage : undefined;
  // What the machine recorded is the call's transcript; the event carries it like any other turn.
  if (message) await deps.store.appendTurn(callbackId, 1, { role: 'assistant', text: message, at: deps.now().toISOString() });
  log.info('Answering machine reached', { answeredBy: params.AnsweredBy, voicemailLeft: Boolean(message) });
  return sayAndHangUpTwiml(message, updated.call.request.language);
}

export const handler = lambdaEntry(createTwimlHandler, ['TWILIO_AUTH_TOKEN']);
