import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiKeyMatches } from '../../shared/api-key';
import { HttpError, PayloadTooLargeError, UnauthorizedError } from '../../shared/http-error';
import { logger } from '../../shared/logger';
import { readRequestText } from '../request-body';

const MAX_JSON_BYTES = 64 * 1024;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => Promise<void> | void;

/** True when the request's `x-api-key` header equals `expected` (constant-time, as the API checks it). */
export function hasApiKey(req: IncomingMessage, expected: string): boolean {
  const given = req.headers['x-api-key'];
  if (typeof given !== 'string' || !given) return false;
  return apiKeyMatches(given, expected);
}

/** Wraps a console API handler: API key first, then HttpErrors rendered the way the API renders them. */
export function apiRoute(apiKey: string, handle: RouteHandler): RouteHandler {
  return async (req, res, params) => {
    try {
      if (!hasApiKey(req, apiKey)) throw new UnauthorizedError();
      await handle(req, res, params);
    } catch (error) {
      if (error instanceof HttpError) return sendJson(res, error.statusCode, error.toJSON());
      logger.error('Console request failed', { error, path: req.url });
      sendJson(res, 500, { error: { code: 'internal_error', message: 'Internal error' } });
    }
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readRequestText(req, { bytes: MAX_JSON_BYTES, error: () => new PayloadTooLargeError(MAX_JSON_BYTES) });
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'malformed_json', 'The request body is not valid JSON');
  }
}
