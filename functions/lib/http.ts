import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { HttpError } from '../../shared/http-error';
import { logger } from '../../shared/logger';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent) => Promise<HttpResult>;

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function xml(body: string): HttpResult {
  return { statusCode: 200, headers: { 'content-type': 'text/xml' }, body };
}

export function noContent(): HttpResult {
  return { statusCode: 204 };
}

/**
 * Wraps a handler so that thrown HttpErrors become their JSON error response and anything
 * else becomes a logged 500 that reveals nothing of the failure to the client.
 */
export function httpHandler(handle: HttpHandler): HttpHandler {
  return async (event) => {
    try {
      return await handle(event);
    } catch (error) {
      if (error instanceof HttpError) {
        if (error.statusCode >= 500) logger.error('Request failed upstream', { error, path: event.rawPath });
        else logger.info('Request refused', { statusCode: error.statusCode, code: error.code, path: event.rawPath });
        const response = json(error.statusCode, error.toJSON());
        return { ...response, headers: { ...response.headers, ...error.headers } };
      }
      logger.error('Unhandled error', { error, path: event.rawPath });
      return json(500, { error: { code: 'internal_error', message: 'Internal error' } });
    }
  };
}
