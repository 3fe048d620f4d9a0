import { sql } from 'kysely';
import { type Keyring, open, seal } from '../crypto';
import type { Db } from './db';
import type { Crm, Tenant } from './tables';

/** Active tenants of one CRM by account id (HubSpot portal id, Salesforce org id). */
export async function findActiveTenants(db: Db, crm: Crm, accountIds: string[]): Promise<Map<string, Tenant>> {
  if (accountIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('tenants')
    .selectAll()
    .where('crm', '=', crm)
    .where('account_id', 'in', accountIds)
    .where('status', '=', 'active')
    .execute();
  return new Map(rows.map((t) => [t.account_id, t]));
}

export interface InstalledTenant {
  /** Sealed signing secret for `POST /webhooks/signals`; kept on reinstall. */
  signalsSecretEnc: string;
  crm: Crm;
  accountId: string;
  name?: string;
  instanceUrl?: string;
  accessTokenEnc: string;
  refreshTokenEnc: string;
  expiresAt: Date;
  scopes: string[];
  installedBy?: string;
}

/** Creates the tenant on first install, re-activates it (fresh tokens, same id and data) on a reinstall. */
export async function upsertInstalledTenant(db: Db, t: InstalledTenant): Promise<Tenant> {
  const now = new Date();
  return db
    .insertInto('tenants')
    .values({
      crm: t.crm, account_id: t.accountId, name: t.name ?? null, status: 'active', status_reason: null, instance_url: t.instanceUrl ?? null,
      access_token_enc: t.accessTokenEnc, refresh_token_enc: t.refreshTokenEnc, token_expires_at: t.expiresAt, scopes: JSON.stringify(t.scopes),
      signals_secret_enc: t.signalsSecretEnc, settings: JSON.stringify({}), installed_by: t.installedBy ?? null, updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['crm', 'account_id']).doUpdateSet({
        status: 'active', status_reason: null, access_token_enc: t.accessTokenEnc, refresh_token_enc: t.refreshTokenEnc, token_expires_at: t.expiresAt,
        scopes: JSON.stringify(t.scopes), instance_url: t.instanceUrl ?? null, updated_at: now, ...(t.name ? { name: t.name } : {}),
        signals_secret_enc: sql`coalesce(tenants.signals_secret_enc, excluded.signals_secret_enc)`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Uninstalled, or its grant revoked (`reconnect`): no more writes, both tokens erased (a revoked refresh
 * token is worthless, and an uninstalled tenant must hold none), queued writes dropped — rows a writer is
 * sending right now too, so a drain that stops on the revoked token cannot put them back. Its events are
 * ignored from then on (`findActiveTenants`). Data stays, so a reinstall picks up where it left off.
 */
export async function deactivateTenant(db: Db, tenantId: string, status: 'uninstalled' | 'reconnect', reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('tenants').set({ status, status_reason: reason, access_token_enc: null, refresh_token_enc: null, token_expires_at: null, updated_at: new Date() }).where('id', '=', tenantId).execute();
    await trx.deleteFrom('outbox').where('tenant_id', '=', tenantId).where('status', 'in', ['pending', 'sending']).execute();
  });
}

const SEALED_COLUMNS = ['access_token_enc', 'refresh_token_enc', 'signals_secret_enc'] as const;

/**
 * Key rotation, second half: re-seals every tenant secret still sealed under an older key with the current
 * one, so the old key can be retired. Each row is updated only if it still holds what was read
 * (compare-and-set), so a refresh that lands meanwhile is never overwritten with an older token.
 */
export async function resealTenantSecrets(db: Db, keyring: Keyring): Promise<number> {
  const current = `${keyring.current.id}:`;
  const rows = await db.selectFrom('tenants').select(['id', ...SEALED_COLUMNS]).execute();
  let resealed = 0;
  for (const row of rows) {
    const stale = SEALED_COLUMNS.filter((c) => row[c] !== null && !row[c]!.startsWith(current));
    if (stale.length === 0) continue;
    let q = db.updateTable('tenants').set(Object.fromEntries(stale.map((c) => [c, seal(open(row[c]!, keyring), keyring)]))).where('id', '=', row.id);
    for (const c of stale) q = q.where(c, '=', row[c]!);
    const res = await q.executeTakeFirst();
    resealed += Number(res.numUpdatedRows);
  }
  return resealed;
}
