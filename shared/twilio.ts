import type { CallListInstance } from 'twilio/lib/rest/api/v2010/account/call';
import type { MessageListInstance } from 'twilio/lib/rest/api/v2010/account/message';
import type { RecordingListInstance } from 'twilio/lib/rest/api/v2010/account/recording';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import { regionalTag } from './languages';

/** The parts of Twilio's REST API the service uses; build one with `createTwilioClient` from ./twilio-client. */
export interface TwilioClient {
  calls: CallListInstance;
  messages: MessageListInstance;
  recordings: RecordingListInstance;
}

/** What the REST client throws when Twilio answers with an error status (the SDK's RestException). */
export interface TwilioRefusal extends Error {
  status: number;
  code?: number;
  moreInfo?: string;
}

/**
 * True when Twilio answered and refused. Checked by shape, not `instanceof`: the SDK's class
 * is an `exports.default` that ESM bundles (esbuild, tsx) import as a plain object. The client
 * hands every HTTP answer to the SDK, so only a refusal carries a numeric `status`; a timeout or
 * a network error does not.
 */
export function isTwilioRefusal(error: unknown): error is TwilioRefusal {
  return error instanceof Error && typeof (error as { status?: unknown }).status === 'number';
}

/**
 * True when `signature` is Twilio's signature of `url` and `params` under `authToken`.
 * Delegates to twilio's own validator (constant-time, with its port and encoding variants).
 * No token verifies nothing: anyone can compute an HMAC under the empty key.
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature || !authToken) return false;
  return validateRequest(authToken, signature, url, params);
}

/**
 * Checks a Media Stream upgrade's signature. Twilio signs the `wss://` URL as written in
 * the TwiML with no params; some deployments see it with a trailing slash.
 */
export function isValidStreamSignature(authToken: string, signature: string | undefined, streamUrl: string): boolean {
  const bare = streamUrl.replace(/\/+$/, '');
  return [bare, `${bare}/`].some((url) => isValidTwilioSignature(authToken, signature, url, {}));
}

export interface StreamTwimlOptions {
  streamUrl: string;
  parameters: Record<string, string>;
  /** Spoken if the media stream ends before the call does. */
  fallbackMessage: string;
}

/** `<Connect><Stream>` with custom parameters, then a spoken fallback and hang-up. */
export function streamTwiml(options: StreamTwimlOptions): string {
  const response = new VoiceResponse();
  const stream = response.connect().stream({ url: options.streamUrl });
  for (const [name, value] of Object.entries(options.parameters)) stream.parameter({ name, value });
  response.say(options.fallbackMessage);
  response.hangup();
  return response.toString();
}

/**
 * Says `message` (in `language`, a BCP-47 tag, when given) and hangs up: the answer to Twilio
 * when there is no call to connect, and to an answering machine (synchronous AMD has already
 * waited for the beep) with the voicemail message or nothing.
 */
export function sayAndHangUpTwiml(message: string | undefined, language?: string): string {
  const response = new VoiceResponse();
  if (message) response.say(language ? { language: regionalTag(language) as never } : {}, message);
  response.hangup();
  return response.toString();
}

/** Hands the call to `to`: replaces the running TwiML (and so ends the media stream) with a `<Dial>`. */
export function dialTwiml(to: string, callerId: string): string {
  const response = new VoiceResponse();
  response.dial({ callerId }, to);
  return response.toString();
}
