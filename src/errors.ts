/**
 * Errors that carry meaning: each has a stable code, and the HTTP status and the retry meaning it implies
 * are decided here, in one place (`httpStatusOf`, `isTransient`).
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
  // The CRM's answers, in Kindling's own API: never the CRM's status (its 401 would sign the admin out).
  if (err instanceof TokenRevoked) return 409;
  if (err instanceof RateLimited) return 429;
  if (err instanceof PermanentCrmError) return 502;
  if (err instanceof TransientCrmError) return 503;
  return 500;
}

/** SQLSTATEs (five characters) that pass by themselves: connection (08), rollback — deadlock, serialization (40), resources (53), shutdown (57P0x). */
const TRANSIENT_SQLSTATE = /^(?:08|40|53)[0-9A-Z]{3}$|^57P0[1-3]$/;
const TRANSIENT_ERRNO = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']);

/**
 * Whether a failed job may just be tried again and must not count as a failure: the CRM was slow or
 * asked us to wait, the database hiccuped, or the tenant lost its grant (it is deactivated then, and the
 * retry skips it).
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof TransientCrmError || err instanceof RateLimited || err instanceof TokenRevoked) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (TRANSIENT_SQLSTATE.test(code) || TRANSIENT_ERRNO.has(code));
}
