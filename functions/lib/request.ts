import type { z } from 'zod';
import { apiKeyMatches } from '../../shared/api-key';
import {
  BadRequestError,
  ForbiddenError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../../shared/http-error';
import { isValidTwilioSignature } from '../../shared/twilio';
import type { Config } from '../../shared/config';
import type { HttpEvent } from './http';
import { hostileJsonProblem } from '../../shared/json-limits';
import { CALLBACK_ID } from '../../shared/patterns';

/** The raw body as text (API Gateway base64-encodes some bodies). */
export function rawBody(event: HttpEvent): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

/** Refuses a caller of the call API who is not authenticated the way the stage is configured. */
/** The `{callbackId}` of the route's path; 400 when it is not a valid one. */
export function pathCallbackId(event: HttpEvent): string {
  const callbackId = event.pathParameters?.callbackId ?? '';
  if (!CALLBACK_ID.test(callbackId)) throw new BadRequestError('Not a valid callbackId');
  return callbackId;
}

export function authorizeCaller(event: HttpEvent, c: Pick<Config, 'API_AUTH' | 'API_KEY'>): void {
  // With IAM auth, API Gateway rejects unsigned requests before the function runs.
  if (c.API_AUTH === 'iam') return;
  requireApiKey(event, c.API_KEY ?? '');
}

/** Refuses the request unless its `x-api-key` header equals `expected` (constant-time). */
export function requireApiKey(event: HttpEvent, expected: string): void {
  const given = event.headers['x-api-key'];
  if (!given) throw new UnauthorizedError();
  if (!apiKeyMatches(given, expected)) throw new UnauthorizedError('The x-api-key header is not valid');
}

/** Parses and validates a JSON body of at most `maxBytes`. */
export function parseJsonBody<S extends z.ZodType>(event: HttpEvent, schema: S, maxBytes: number): z.infer<S> {
  const contentType = event.headers['content-type'] ?? 'application/json';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) throw new UnsupportedMediaTypeError('application/json');
  const text = rawBody(event);
  if (Buffer.byteLength(text) > maxBytes) throw new PayloadTooLargeError(maxBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError('The request body is not valid JSON', undefined, 'malformed_json');
  }
  const hostile = hostileJsonProblem(value);
  if (hostile) throw new BadRequestError(`The request body is not acceptable: ${hostile}`, undefined, 'hostile_json');
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new BadRequestError(
      'The request body is not valid',
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      'validation_error',
    );
  }
  return result.data;
}

/** The form parameters of an `application/x-www-form-urlencoded` body (last value wins). */
export function formParams(event: HttpEvent): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody(event)));
}

/** The URL Twilio requested: the public origin, the path and the query exactly as sent. */
export function publicUrl(event: HttpEvent, baseUrl: string): string {
  const origin = new URL(baseUrl).origin;
  return `${origin}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

/** Refuses a webhook not signed by Twilio for the public URL it was sent to; returns its form params. */
export function verifyTwilioWebhook(event: HttpEvent, baseUrl: string, authToken: string): Record<string, string> {
  const params = event.requestContext.http.method === 'POST' ? formParams(event) : {};
  const signature = event.headers['x-twilio-signature'];
  if (!isValidTwilioSignature(authToken, signature, publicUrl(event, baseUrl), params)) {
    throw new ForbiddenError(
      signature ? 'The X-Twilio-Signature does not match this request' : 'The X-Twilio-Signature header is missing',
      'invalid_signature',
    );
  }
  return params;
}
