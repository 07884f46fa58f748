import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Requests the engine sends to the orchestrator (tool calls, completion webhooks) are signed
 * per the Standard Webhooks specification: `webhook-id`, `webhook-timestamp` (seconds) and
 * `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`) with one shared
 * secret, so the receiver verifies them with any Standard Webhooks library.
 */

export type WebhookHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

export function signWebhook(secret: string, body: string, options: { id?: string; now?: Date } = {}): WebhookHeaders {
  const id = options.id ?? `msg_${randomUUID()}`;
  const now = options.now ?? new Date();
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, now, body),
  };
}

/** Verifies a signed request (within Standard Webhooks' 5-minute tolerance); throws when it is not genuine. */
export function verifyWebhook(secret: string, body: string, headers: Record<string, string | string[] | undefined>): unknown {
  const flat = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value[0] : value]));
  return new Webhook(secret).verify(body, flat as Record<string, string>);
}
