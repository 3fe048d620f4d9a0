import type { Client } from '@hubspot/api-client';
import type { TokenProvider } from '../../auth/token-provider';
import { RateLimited } from '../../errors';
import type { Metrics } from '../../metrics';
import type { AccountLimiter } from '../../queue/rate-limiter';
import type { Tenant } from '../../store/tables';
import { classifyHubSpotError, isUnauthorized } from './errors';
import { hubspotClient } from './sdk';

export interface HubSpotCallDeps {
  apiBase: string;
  tokens: TokenProvider;
  limiter: AccountLimiter;
  metrics?: Metrics;
}

/** How Kindling calls HubSpot, for the connector and the Events API enricher alike. */
export function hubspotCalls(deps: HubSpotCallDeps) {
  /** One API call: the account's shared budget, a token, one refresh after a 401, errors with meaning. */
  const call = async <T>(tenant: Tenant, op: string, fn: (c: Client) => Promise<T>): Promise<T> => {
    let token = await deps.tokens.accessToken(tenant.id);
    for (let attempt = 0; ; attempt++) {
      await deps.limiter.take(`hubspot:${tenant.account_id}`);
      try {
        const out = await fn(hubspotClient(deps.apiBase, token));
        deps.metrics?.crmCalls.inc({ crm: 'hubspot', operation: op, outcome: 'ok' });
        return out;
      } catch (err) {
        if (attempt === 0 && isUnauthorized(err)) {
          deps.metrics?.crmCalls.inc({ crm: 'hubspot', operation: op, outcome: 'unauthorized' });
          token = await deps.tokens.refreshAfterUnauthorized(tenant.id, token);
          continue;
        }
        const classified = classifyHubSpotError(err);
        deps.metrics?.crmCalls.inc({ crm: 'hubspot', operation: op, outcome: classified instanceof RateLimited ? 'rate_limited' : 'error' });
        if (classified instanceof RateLimited) await deps.limiter.pause(`hubspot:${tenant.account_id}`, classified.retryAfterMs);
        throw classified;
      }
    }
  };

  /**
   * Every page of a listing, `after` cursor by `after` cursor: a list that stops at its first page is a
   * known connector failure. Bounded, so a cursor that never ends cannot spin for ever.
   */
  const allPages = async <T>(fetchPage: (after: string | undefined) => Promise<{ results: T[]; paging?: { next?: { after?: string } } }>, maxPages = 50): Promise<T[]> => {
    const out: T[] = [];
    let after: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const res = await fetchPage(after);
      out.push(...res.results);
      after = res.paging?.next?.after;
      if (!after) break;
    }
    return out;
  };

  return { call, allPages };
}
