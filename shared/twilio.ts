import RequestClient from 'twilio/lib/base/RequestClient';
import RestException from 'twilio/lib/base/RestException';
import Twilio from 'twilio/lib/rest/Twilio';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { validateRequest } from 'twilio/lib/webhooks/webhooks';
import type { Config } from './config';
import { missing } from './config';

export type TwilioClient = Twilio;
export { RestException as TwilioRestException };

const TWILIO_API_ORIGIN = 'https://api.twilio.com';

/** Sends the SDK's requests to another origin (the simulator), with a bounded timeout. */
class RedirectingRequestClient extends RequestClient {
  constructor(
    private readonly apiUrl: string | undefined,
    private readonly timeoutMs: number,
  ) {
    super({ timeout: timeoutMs, keepAlive: true });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = this.apiUrl ? opts.uri.replace(TWILIO_API_ORIGIN, this.apiUrl) : opts.uri;
    return super.request({ ...opts, uri, timeout: opts.timeout ?? this.timeoutMs });
  }
}

export class TwilioNotConfiguredError extends Error {
  override readonly name = 'TwilioNotConfiguredError';
}

/** The Twilio REST client for this configuration. */
export function createTwilioClient(c: Config): TwilioClient {
  const absent = missing(c, ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN']);
  if (absent.length) throw new TwilioNotConfiguredError(`Twilio is not configured: set ${absent.join(', ')}`);
  return new Twilio(c.TWILIO_ACCOUNT_SID, c.TWILIO_AUTH_TOKEN, {
    httpClient: new RedirectingRequestClient(c.TWILIO_API_URL, c.TWILIO_TIMEOUT_MS),
  });
}

/**
 * True when `signature` is Twilio's signature of `url` and `params` under `authToken`.
 * Delegates to twilio's own validator (constant-time, with its port and encoding variants).
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (!signature) return false;
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

/** Says `message` and hangs up: the answer to Twilio when there is no call to connect. */
export function sayAndHangUpTwiml(message: string): string {
  const response = new VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}
