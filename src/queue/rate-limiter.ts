import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface AccountLimiter {
  /** Waits until the account has budget for one more call, then takes it. */
  take(account: string): Promise<void>;
  /** After a 429: nobody calls this account until `ms` from now. */
  pause(account: string, ms: number): Promise<void>;
}

/**
 * One budget per CRM account, kept in Redis so every worker process shares it (several processes each
 * with its own limiter is how connectors earn `TEN_SECONDLY_ROLLING` 429s). HubSpot OAuth apps: 110
 * calls per rolling 10 s per account. The budget is counted in 1-second windows of 10 calls: fixed
 * 10-second windows would allow 200 calls across a window edge, and any rolling 10 s here sees at most
 * 11 windows, 110 calls.
 */
export function createAccountLimiter(redis: Redis, opts: { perSecond?: number; prefix?: string } = {}): AccountLimiter {
  const limiter = new RateLimiterRedis({ storeClient: redis, points: opts.perSecond ?? 10, duration: 1, keyPrefix: opts.prefix ?? 'kindling:rl' });
  return {
    async take(account) {
      for (;;) {
        try {
          await limiter.consume(account, 1);
          return;
        } catch (res) {
          if (!(res instanceof RateLimiterRes)) throw res;
          await new Promise((r) => setTimeout(r, Math.max(10, res.msBeforeNext)));
        }
      }
    },
    async pause(account, ms) {
      await limiter.block(account, Math.max(1, Math.ceil(ms / 1000)));
    },
  };
}
