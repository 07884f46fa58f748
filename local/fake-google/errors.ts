/** An error answered the way Google APIs do: `{ error: { code, message, errors: [{ message, domain, reason }], status } }`. */
export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason: string,
    readonly status = STATUS_NAMES[code] ?? 'UNKNOWN',
  ) {
    super(message);
  }

  toJSON() {
    return { error: { code: this.code, message: this.message, errors: [{ message: this.message, domain: 'global', reason: this.reason }], status: this.status } };
  }
}

/** The OAuth token endpoint's own error shape (RFC 6749 §5.2). */
export class OAuthError extends Error {
  constructor(
    readonly code: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }

  toJSON() {
    return { error: this.error, error_description: this.description };
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};
