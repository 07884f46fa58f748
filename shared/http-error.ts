/**
 * Errors the API answers with. Handlers throw them; one place renders them as
 * `{ "error": { "code", "message", "details"? } }` with the status code.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Response headers that go with the error (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): { error: { code: string; message: string; details?: unknown } } {
    return { error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) } };
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, details?: unknown, code = 'bad_request') {
    super(400, code, message, details);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'A valid x-api-key header is required') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message: string, code = 'forbidden') {
    super(403, code, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, code = 'conflict', details?: unknown) {
    super(409, code, message, details);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body exceeds ${limitBytes} bytes`);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(expected: string) {
    super(415, 'unsupported_media_type', `The request body must be ${expected}`);
  }
}

/** Over a rate or concurrency limit; `Retry-After` says when to try again. */
export class TooManyRequestsError extends HttpError {
  constructor(message: string, retryAfterSeconds: number, code = 'too_many_requests') {
    super(429, code, message, { retryAfterSeconds }, { 'retry-after': String(retryAfterSeconds) });
  }
}

/** An upstream service (Twilio, a model provider) refused or failed. */
export class BadGatewayError extends HttpError {
  constructor(message: string, details?: unknown, code = 'upstream_error') {
    super(502, code, message, details);
  }
}

