import twilio from 'twilio';
import type { WebhookDelivery } from './types';

export interface WebhookRequest {
  /** As the app configured it, possibly with a `#rc=…&ct=…&rt=…&tt=…&rp=…` connection-override fragment. */
  url: string;
  method?: string;
  params: Record<string, string>;
  authToken: string;
  /** Twilio sends the same token on retries and duplicates of one event. */
  idempotencyToken?: string;
  signal?: AbortSignal;
}

interface ConnectionOverrides {
  retries: number;
  timeoutMs: number;
  retryOn: Set<string>;
}

const MAX_BODY_CHARS = 64_000;

/** Sends one signed webhook as Twilio would, retrying per the URL's connection overrides. Never throws. */
export async function sendWebhook(request: WebhookRequest): Promise<WebhookDelivery[]> {
  const { url, overrides } = splitOverrides(request.url);
  const deliveries: WebhookDelivery[] = [];
  const deadline = Date.now() + 15_000;
  for (let attempt = 0; attempt <= overrides.retries; attempt++) {
    const timeoutMs = Math.max(1, Math.min(overrides.timeoutMs, deadline - Date.now()));
    const delivery = await sendOnce({ ...request, url }, timeoutMs);
    deliveries.push(delivery);
    if (!shouldRetry(delivery, overrides) || Date.now() >= deadline || request.signal?.aborted) break;
  }
  return deliveries;
}

/** The signature Twilio puts in `X-Twilio-Signature`: HMAC-SHA1 over the URL + sorted POST params. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

async function sendOnce(request: WebhookRequest & { url: string }, timeoutMs: number): Promise<WebhookDelivery> {
  const method = request.method?.toUpperCase() === 'GET' ? 'GET' : 'POST';
  const url = method === 'GET' ? withQuery(request.url, request.params) : request.url;
  const signature = twilioSignature(request.authToken, url, method === 'GET' ? {} : request.params);
  const headers: Record<string, string> = {
    'X-Twilio-Signature': signature,
    'User-Agent': 'TwilioProxy/1.1',
    Accept: '*/*',
  };
  if (request.idempotencyToken) headers['I-Twilio-Idempotency-Token'] = request.idempotencyToken;
  if (method === 'POST') headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const signals = [AbortSignal.timeout(timeoutMs), ...(request.signal ? [request.signal] : [])];
  const sentAt = Date.now();
  const delivery: WebhookDelivery = { url, method, params: request.params, signature, sentAt, durationMs: 0 };
  try {
    const response = await fetch(url, {
      method,
      headers,
      body: method === 'POST' ? new URLSearchParams(request.params).toString() : undefined,
      signal: AbortSignal.any(signals),
      redirect: 'follow',
    });
    delivery.responseStatus = response.status;
    delivery.responseContentType = response.headers.get('content-type') ?? undefined;
    delivery.responseBody = (await response.text()).slice(0, MAX_BODY_CHARS);
  } catch (error) {
    delivery.error = describeFetchError(error, timeoutMs);
  }
  delivery.durationMs = Date.now() - sentAt;
  return delivery;
}

function splitOverrides(rawUrl: string): { url: string; overrides: ConnectionOverrides } {
  const hash = rawUrl.indexOf('#');
  const url = hash < 0 ? rawUrl : rawUrl.slice(0, hash);
  const fragment = new URLSearchParams(hash < 0 ? '' : rawUrl.slice(hash + 1));
  const number = (key: string, fallback: number) => {
    const value = Number(fragment.get(key));
    return fragment.has(key) && Number.isFinite(value) ? value : fallback;
  };
  const connectMs = number('ct', 5_000);
  const readMs = number('rt', 15_000);
  return {
    url,
    overrides: {
      retries: Math.min(5, Math.max(0, number('rc', 1))),
      timeoutMs: Math.min(number('tt', 15_000), connectMs + readMs),
      retryOn: new Set((fragment.get('rp') ?? 'ct').split(',')),
    },
  };
}

function shouldRetry(delivery: WebhookDelivery, overrides: ConnectionOverrides): boolean {
  const { retryOn } = overrides;
  if (retryOn.has('all')) return delivery.error !== undefined || (delivery.responseStatus ?? 0) >= 400;
  if (delivery.error !== undefined) return retryOn.has('ct') || retryOn.has('rt');
  const status = delivery.responseStatus ?? 0;
  return (status >= 500 && retryOn.has('5xx')) || (status >= 400 && status < 500 && retryOn.has('4xx'));
}

function withQuery(url: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  if (!query) return url;
  return url + (url.includes('?') ? '&' : '?') + query;
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return `timeout after ${timeoutMs} ms`;
    if (error.name === 'AbortError') return 'aborted';
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
