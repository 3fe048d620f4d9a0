import { PermanentCrmError, RateLimited, TokenRevoked, TransientCrmError } from '../../errors';
import { asApiError, messageOf } from './sdk';

/**
 * HubSpot's answer to a whole call, as Kindling's retry meaning: 429 → wait (its interval, since HubSpot
 * sends no Retry-After), 5xx and network errors → retry with backoff, 401 → the caller refreshes once,
 * other 4xx → permanent, with HubSpot's own message.
 */
const DAILY_PAUSE_MS = 3_600_000;

export function classifyHubSpotError(err: unknown): Error {
  if (err instanceof TokenRevoked || err instanceof RateLimited) return err;
  const api = asApiError(err);
  if (!api) return new TransientCrmError(`HubSpot unreachable: ${(err as Error)?.message ?? String(err)}`);
  if (api.code === 429 && (api.body as { policyName?: string } | undefined)?.policyName === 'DAILY') {
    // The account's daily allowance, not the 10-second burst: asking again in seconds only adds errors
    // (HubSpot counts them against certification). Look again in an hour; it resets at midnight.
    return new RateLimited(DAILY_PAUSE_MS, messageOf(err));
  }
  if (api.code === 429) {
    const interval = Number(api.headers?.['x-hubspot-ratelimit-interval-milliseconds'] ?? 10_000);
    const retryAfter = Number(api.headers?.['retry-after'] ?? 0) * 1000;
    return new RateLimited(retryAfter || Math.min(interval, 10_000), messageOf(err));
  }
  if (api.code >= 500 || api.code === 0) return new TransientCrmError(messageOf(err));
  return new PermanentCrmError(messageOf(err), api.code);
}

export const isUnauthorized = (err: unknown) => asApiError(err)?.code === 401;
