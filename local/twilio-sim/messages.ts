import { API_VERSION, first, newSid, rfc2822, sleep } from './format';
import type { FormParams, SimMessage } from './types';
import { sendWebhook } from './webhooks';

const STEP_MS = 50;

export interface MessageContext {
  accountSid: string;
  authToken: string;
  shutdown: AbortSignal;
}

/** Stores an SMS and, like Twilio, reports `sent` then `delivered` to its StatusCallback. */
export function createMessage(params: FormParams, context: MessageContext): SimMessage {
  const message: SimMessage = {
    sid: newSid('SM'),
    accountSid: context.accountSid,
    to: first(params.To) ?? '',
    from: first(params.From) ?? first(params.MessagingServiceSid) ?? '',
    body: first(params.Body) ?? '',
    status: 'queued',
    params,
    createdAt: Date.now(),
    statusCallbacks: [],
  };
  void progress(message, context);
  return message;
}

async function progress(message: SimMessage, context: MessageContext): Promise<void> {
  const callback = first(message.params.StatusCallback);
  for (const status of ['sent', 'delivered'] as const) {
    await sleep(STEP_MS, context.shutdown);
    if (context.shutdown.aborted) return;
    message.status = status;
    if (!callback) continue;
    const params = {
      AccountSid: message.accountSid,
      ApiVersion: API_VERSION,
      From: message.from,
      To: message.to,
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: status,
      SmsStatus: status,
    };
    const attempts = await sendWebhook({ url: callback, params, authToken: context.authToken, signal: context.shutdown });
    message.statusCallbacks.push(...attempts);
  }
}

export function messageResource(message: SimMessage): Record<string, unknown> {
  const uri = `/${API_VERSION}/Accounts/${message.accountSid}/Messages/${message.sid}`;
  return {
    account_sid: message.accountSid,
    api_version: API_VERSION,
    body: message.body,
    date_created: rfc2822(message.createdAt),
    date_sent: null,
    date_updated: rfc2822(message.createdAt),
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: message.from,
    messaging_service_sid: first(message.params.MessagingServiceSid) ?? null,
    num_media: '0',
    num_segments: String(Math.max(1, Math.ceil(message.body.length / 153))),
    price: null,
    price_unit: 'USD',
    sid: message.sid,
    status: message.status,
    subresource_uris: { media: `${uri}/Media.json` },
    to: message.to,
    uri: `${uri}.json`,
  };
}
