import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';

/**
 * Rate limits on the public endpoints, counted in Redis so every web process shares them. Webhooks are
 * limited per source address well above what a CRM sends (HubSpot: at most 10 requests in flight per
 * account), so only abuse is refused; OAuth and card routes, per address, lower.
 */
export function publicRateLimits(redis: Redis, prefix = 'kindling:prl:'): { webhooks: RequestHandler; interactive: RequestHandler } {
  const store = (name: string) => new RedisStore({ prefix: `${prefix}${name}:`, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as never });
  const common = { standardHeaders: 'draft-8' as const, legacyHeaders: false, message: { error: 'rate_limited', message: 'too many requests; slow down' } };
  return {
    webhooks: rateLimit({ ...common, windowMs: 10_000, limit: 2_000, store: store('webhooks') }),
    interactive: rateLimit({ ...common, windowMs: 60_000, limit: 300, store: store('interactive') }),
  };
}
