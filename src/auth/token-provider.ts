import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { hubspotRefresher } from '../crm/hubspot/oauth';
import { salesforceRefresher } from '../crm/salesforce/oauth';
import { type Keyring, keyringOf, open, seal } from '../crypto';
import { TokenRevoked } from '../errors';
import type { Logger } from '../log';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';
import { deactivateTenant } from '../store/tenants';

export interface RefreshedTokens {
  accessToken: string;
  /** Salesforce may rotate it; HubSpot returns the same one. Persisted either way. */
  refreshToken: string;
  expiresAt: Date;
}

/** How one CRM refreshes an access token; `TokenRevoked` when the grant is gone. */
export type RefreshFn = (refreshToken: string) => Promise<RefreshedTokens>;

/** How one CRM revokes Kindling's grant at uninstall (best effort: the tokens are erased either way). */
export type RevokeFn = (refreshToken: string) => Promise<void>;

export interface TokenProvider {
  accessToken(tenantId: string): Promise<string>;
  /** After a 401: refresh once (unless another process already did), and return the token to retry with. */
  refreshAfterUnauthorized(tenantId: string, rejected: string): Promise<string>;
}

export interface TokenProviderDeps {
  db: Db;
  redis: Redis;
  log: Logger;
  /** Where the keyring and each CRM's OAuth client come from, unless given below. */
  config?: Config;
  keyring?: Keyring;
  refreshers?: Record<Crm, RefreshFn | undefined>;
  now?: () => number;
  /** Refresh this long before expiry, so no call goes out with a token about to lapse. */
  skewMs?: number;
  lockPrefix?: string;
}

/**
 * Access tokens for every tenant, refreshed ahead of expiry and once after a 401. One refresh in flight
 * per tenant across every process: a Redis lock, and after taking it the tenant row is read again, so a
 * process that waited uses the token the first one stored instead of refreshing a second time.
 */
export function createTokenProvider(deps: TokenProviderDeps): TokenProvider {
  const now = deps.now ?? Date.now;
  const keyring = deps.keyring ?? (deps.config ? keyringOf(deps.config) : undefined);
  if (!keyring) throw new Error('createTokenProvider needs a keyring or the config to derive it from');
  const refreshers = deps.refreshers ?? (deps.config ? { hubspot: hubspotRefresher(deps.config), salesforce: salesforceRefresher(deps.config) } : { hubspot: undefined, salesforce: undefined });
  const skew = deps.skewMs ?? 5 * 60_000;
  const prefix = deps.lockPrefix ?? 'kindling:refresh:';

  const load = async (tenantId: string) => {
    const t = await deps.db.selectFrom('tenants').select(['id', 'crm', 'status', 'access_token_enc', 'refresh_token_enc', 'token_expires_at']).where('id', '=', tenantId).executeTakeFirst();
    if (!t || t.status !== 'active' || !t.refresh_token_enc) throw new TokenRevoked(`tenant ${tenantId} is not connected`);
    return t;
  };

  const refresh = async (tenantId: string, isStale: (access: string | undefined, expiresAt: Date | null) => boolean): Promise<string> => {
    const lock = `${prefix}${tenantId}`;
    const me = randomUUID();
    const deadline = now() + 30_000;
    while (!(await deps.redis.set(lock, me, 'PX', 30_000, 'NX'))) {
      if (now() > deadline) throw new Error('timed out waiting for another process to refresh the token');
      await new Promise((r) => setTimeout(r, 50));
    }
    try {
      const t = await load(tenantId);
      const current = t.access_token_enc ? open(t.access_token_enc, keyring) : undefined;
      if (current && !isStale(current, t.token_expires_at)) return current;
      const refresher = refreshers[t.crm];
      if (!refresher) throw new Error(`no OAuth client configured for ${t.crm}`);
      try {
        const next = await refresher(open(t.refresh_token_enc!, keyring));
        await deps.db
          .updateTable('tenants')
          .set({ access_token_enc: seal(next.accessToken, keyring), refresh_token_enc: seal(next.refreshToken, keyring), token_expires_at: next.expiresAt, updated_at: new Date(now()) })
          .where('id', '=', tenantId)
          .execute();
        deps.log.info('token.refreshed', { tenantId });
        return next.accessToken;
      } catch (err) {
        if (err instanceof TokenRevoked) {
          // The grant is gone (app uninstalled in the CRM, or access revoked): the tenant is deactivated,
          // both tokens erased, its queued property writes dropped (actions held); the admin sees the reason and reconnects.
          await deactivateTenant(deps.db, tenantId, 'reconnect', err.message);
          deps.log.warn('token.revoked', { tenantId });
        }
        throw err;
      }
    } finally {
      // Release only our own lock (compare-and-delete), never one a slower process took after expiry.
      await deps.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1, lock, me);
    }
  };

  const expiring = (expiresAt: Date | null) => !expiresAt || new Date(expiresAt).getTime() - skew <= now();

  return {
    async accessToken(tenantId) {
      const t = await load(tenantId);
      if (t.access_token_enc && !expiring(t.token_expires_at)) return open(t.access_token_enc, keyring);
      return refresh(tenantId, (_access, expiresAt) => expiring(expiresAt));
    },
    refreshAfterUnauthorized(tenantId, rejected) {
      return refresh(tenantId, (access, expiresAt) => access === rejected || expiring(expiresAt));
    },
  };
}
