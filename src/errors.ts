/**
 * Errors that carry meaning: each has a stable code, and the HTTP status or retry policy it implies is
 * decided in one place (`httpStatusOf` here, `retryPolicyOf` in the queue).
 */
export class KindlingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends KindlingError {
  constructor(
    message: string,
    readonly path: string = '',
  ) {
    super('validation_failed', path ? `${path}: ${message}` : message);
  }
}

export class SignatureInvalid extends KindlingError {
  constructor(reason: string) {
    super('signature_invalid', reason);
  }
}

export class NotFound extends KindlingError {
  constructor(what: string) {
    super('not_found', `${what} not found`);
  }
}

export class Forbidden extends KindlingError {
  constructor(reason: string) {
    super('forbidden', reason);
  }
}

/** The CRM asked us to slow down; retry after `retryAfterMs`, do not count it as a failure. */
export class RateLimited extends KindlingError {
  constructor(
    readonly retryAfterMs: number,
    message = 'rate limited',
  ) {
    super('rate_limited', message);
  }
}

/** A failure that may pass: network error, timeout, 5xx. Retried with backoff, capped. */
export class TransientCrmError extends KindlingError {
  constructor(message: string) {
    super('crm_transient', message);
  }
}

/** A failure that will not pass by retrying (validation rule, deleted record): dead-lettered at once. */
export class PermanentCrmError extends KindlingError {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super('crm_permanent', message);
  }
}

/** The CRM revoked our grant (`invalid_grant`, app uninstalled): the tenant needs to reconnect. */
export class TokenRevoked extends KindlingError {
  constructor(message = 'the CRM rejected the refresh token; the admin must reconnect') {
    super('token_revoked', message);
  }
}

export function httpStatusOf(err: unknown): number {
  if (err instanceof ValidationFailed) return 400;
  if (err instanceof SignatureInvalid) return 401;
  if (err instanceof Forbidden) return 403;
  if (err instanceof NotFound) return 404;
  if (err instanceof RateLimited) return 429;
  return 500;
}
