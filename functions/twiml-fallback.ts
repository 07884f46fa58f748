import { LANGUAGES, languageTexts } from '../shared/languages';
import { callLogger } from '../shared/logger';
import { CALLBACK_ID } from '../shared/patterns';
import { sayAndHangUpTwiml } from '../shared/twilio';
import { waitAtMost } from '../shared/wait-at-most';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, xml, type HttpHandler } from './lib/http';
import { verifyTwilioWebhook } from './lib/request';

/** How long the apology waits for the call's language; past it (the table in trouble) it is said in English. */
const LANGUAGE_LOOKUP_MS = 1_000;

/**
 * `POST /twiml/fallback?callbackId=…`: the call's `fallbackUrl`. Twilio fetches it when the
 * TwiML at `url` failed (an error, a timeout, a throttled request); it apologises, in the call's
 * language when the call can be read in time, and hangs up. It writes nothing, so it still
 * answers while the rest of the API is in trouble.
 */
export function createTwimlFallbackHandler(deps: Deps): HttpHandler {
  const { config: c } = deps;
  return httpHandler(async (event) => {
    const params = verifyTwilioWebhook(event, c.BASE_URL, c.TWILIO_AUTH_TOKEN ?? '');
    const callbackId = event.queryStringParameters?.callbackId ?? '';
    const log = callLogger({ callbackId, callSid: params.CallSid });
    log.warn('Twilio fell back: the call TwiML could not be fetched', { errorCode: params.ErrorCode, errorUrl: params.ErrorUrl });
    const language = await callLanguage(deps, callbackId);
    const texts = language ? languageTexts(language) : undefined;
    return xml(texts ? sayAndHangUpTwiml(texts.apology, language) : sayAndHangUpTwiml(LANGUAGES.en!.apology));
  });
}

async function callLanguage(deps: Deps, callbackId: string): Promise<string | undefined> {
  if (!CALLBACK_ID.test(callbackId)) return undefined;
  let language: string | undefined;
  const lookup = deps.store.get(callbackId).then((call) => (language = call?.request.language));
  lookup.catch((error: unknown) => callLogger({ callbackId }).warn('The call could not be read for its language', { error }));
  await waitAtMost(lookup, LANGUAGE_LOOKUP_MS);
  return language;
}

export const handler = lambdaEntry(createTwimlFallbackHandler, ['TWILIO_AUTH_TOKEN']);
