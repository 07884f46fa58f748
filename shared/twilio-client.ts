import RequestClient from 'twilio/lib/base/RequestClient';
import BaseTwilio from 'twilio/lib/base/BaseTwilio';
import Api from 'twilio/lib/rest/Api';
import { missing, type Config } from './config';
import type { TwilioClient } from './twilio';

/*
 * The Twilio REST client lives apart from the webhook helpers in ./twilio: it is most of the
 * SDK's weight, and only the functions that call Twilio's API should bundle it. Only the
 * Voice API domain is built (the SDK's own Twilio class would bundle every product's API).
 */

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
  const client = new BaseTwilio.Client(c.TWILIO_ACCOUNT_SID, c.TWILIO_AUTH_TOKEN, {
    httpClient: new RedirectingRequestClient(c.TWILIO_API_URL, c.TWILIO_TIMEOUT_MS),
  });
  const account = new Api(client as never).v2010.account;
  return { calls: account.calls, messages: account.messages, recordings: account.recordings };
}
