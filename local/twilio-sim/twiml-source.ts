import { callParams } from './call-webhooks';
import { first } from './format';
import type { FormParams, SimCall, TwimlSourceKind, WebhookDelivery } from './types';
import { sendWebhook } from './webhooks';

/** Where a call's next TwiML document comes from: a URL to fetch, or XML in hand. */
export type TwimlSource =
  | { kind: TwimlSourceKind; url: string; method: string; extraParams?: Record<string, string> }
  | { kind: TwimlSourceKind; xml: string };

export interface TwilioError {
  code: number;
  message: string;
}

/** The source a call's parameters name (`Url` or inline `Twiml`). */
export function initialSource(params: FormParams): TwimlSource | undefined {
  const url = first(params.Url);
  const twiml = first(params.Twiml);
  if (url) return { kind: 'url', url, method: first(params.Method) ?? 'POST' };
  if (twiml) return { kind: 'inline', xml: twiml };
  return undefined;
}

/** Where Twilio goes after a document failed: the call's `FallbackUrl`, for the document at its `Url` only. */
export function fallbackSource(call: SimCall, failed: TwimlSource): TwimlSource | undefined {
  const fallback = first(call.params.FallbackUrl);
  if (failed.kind !== 'url' || !fallback) return undefined;
  return { kind: 'fallback', url: fallback, method: first(call.params.FallbackMethod) ?? 'POST' };
}

/** Fetches a document the way Twilio does, with the error code Twilio would report for each failure. */
export async function fetchTwiml(
  call: SimCall,
  source: Extract<TwimlSource, { url: string }>,
  authToken: string,
  signal: AbortSignal,
): Promise<{ delivery?: WebhookDelivery; xml?: string; error?: TwilioError }> {
  const params = { ...callParams(call, 'in-progress'), ...(source.extraParams ?? {}) };
  if (call.answeredBy) params.AnsweredBy = call.answeredBy;
  const attempts = await sendWebhook({ url: source.url, method: source.method, params, authToken, signal });
  const delivery = attempts.at(-1);
  if (!delivery) return { error: { code: 11200, message: 'HTTP retrieval failure' } };
  if (delivery.error) return { delivery, error: { code: 11205, message: `HTTP connection failure: ${delivery.error}` } };
  const status = delivery.responseStatus ?? 0;
  if (status < 200 || status >= 300) return { delivery, error: { code: 11200, message: `HTTP retrieval failure: ${status}` } };
  const contentType = delivery.responseContentType ?? '';
  if (!/xml|html/i.test(contentType)) {
    return { delivery, error: { code: 12300, message: `Invalid Content-Type: ${contentType || 'none'}` } };
  }
  return { delivery, xml: delivery.responseBody ?? '' };
}

/** Absolute URLs are kept verbatim: the app validates signatures against the URL exactly as it wrote it. */
export function resolveUrl(url: string, base: string | undefined): string | undefined {
  if (/^https?:\/\//i.test(url)) return url;
  try {
    return new URL(url, base).toString();
  } catch {
    return undefined;
  }
}
