import { sql } from 'kysely';
import { type Keyring, mapSealed, open, seal } from '../crypto';
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

/**
 * Creates the tenant on first install, re-activates it (fresh tokens, same id and data) on a reinstall.
 * A tenant back from `uninstalled` or `reconnect` has every contact owed a recompute: while it was away
 * recomputes were skipped, timers cleared and property writes dropped (`deactivateTenant`), and the
 * sweeper takes them up from here.
 */
export async function upsertInstalledTenant(db: Db, t: InstalledTenant): Promise<Tenant> {
  const now = new Date();
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('tenants').select('status').where('crm', '=', t.crm).where('account_id', '=', t.accountId).forUpdate().executeTakeFirst();
    const tenant = await upsertTenantRow(trx, t, now);
    if (before && before.status !== 'active') {
      // A fresh grant is a fresh start for contacts whose recompute kept failing, too.
      await trx.updateTable('contact_state').set({ dirty_seq: sql<number>`dirty_seq + 1`, failures: 0, last_error: null, updated_at: now }).where('tenant_id', '=', tenant.id).where('deleted', '=', false).execute();
    }
    return tenant;
  });
}

function upsertTenantRow(db: Db, t: InstalledTenant, now: Date): Promise<Tenant> {
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
 * token is worthless, and an uninstalled tenant must hold none). Its events are ignored from then on
 * (`findActiveTenants`) and its contacts owe nothing (no recompute, no timer) until a reinstall, which
 * makes them all owed again (`upsertInstalledTenant`). Data stays, so a reinstall picks up where it left off.
 *
 * Queued property writes are dropped — rows a writer is sending right now too, so a drain that stops on
 * the revoked token cannot put them back — and their contacts forget having written anything, so the
 * reinstall's recompute sends the values again. Queued actions (task, enrollment, notification) are held
 * instead: the engine decides each once, so a dropped one would never come back. The writer skips an
 * inactive tenant; after a reinstall they are sent, and a task whose send was in flight is looked up
 * before any resend (`sweepOutbox`, the writer), so it is never created twice. One held past
 * `ACTION_MAX_AGE_DAYS` is dead-lettered by the writer instead, for the admin to replay or leave.
 */
export async function deactivateTenant(db: Db, tenantId: string, status: 'uninstalled' | 'reconnect', reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const now = new Date();
    await trx.updateTable('tenants').set({ status, status_reason: reason, access_token_enc: null, refresh_token_enc: null, token_expires_at: null, updated_at: now }).where('id', '=', tenantId).execute();
    const queuedProperties = sql`outbox.tenant_id = ${tenantId} and outbox.kind = 'set_properties' and outbox.status in ('pending', 'sending')`;
    await trx
      .updateTable('contact_state')
      .set({ written: JSON.stringify({}) })
      .where('tenant_id', '=', tenantId)
      .where(sql<boolean>`exists (select 1 from outbox where ${queuedProperties} and outbox.object_type = contact_state.object_type and outbox.contact_id = contact_state.contact_id)`)
      .execute();
    await trx.deleteFrom('outbox').where(sql<boolean>`${queuedProperties}`).execute();
    await trx.updateTable('contact_state').set((eb) => ({ processed_seq: eb.ref('dirty_seq'), next_wake_at: null })).where('tenant_id', '=', tenantId).execute();
  });
}

const SEALED_COLUMNS = ['access_token_enc', 'refresh_token_enc', 'signals_secret_enc'] as const;

/**
 * Key rotation, second half: re-seals every tenant secret still sealed under an older key with the current
 * one, so the old key can be retired: the token and secret columns, and what the settings keep sealed (the
 * alert channel's URL). Each row is updated only if it still holds what was read (compare-and-set), so a
 * refresh or a settings save that lands meanwhile is never overwritten with an older value.
 */
export async function resealTenantSecrets(db: Db, keyring: Keyring): Promise<number> {
  const current = `${keyring.current.id}:`;
  const rows = await db.selectFrom('tenants').select(['id', 'settings', ...SEALED_COLUMNS]).execute();
  let resealed = 0;
  for (const row of rows) {
    const stale = SEALED_COLUMNS.filter((c) => row[c] !== null && !row[c]!.startsWith(current));
    let staleSettings = false;
    const settings = mapSealed(row.settings, (v) => (v.startsWith(current) ? v : ((staleSettings = true), seal(open(v, keyring), keyring))));
    if (stale.length === 0 && !staleSettings) continue;
    let q = db
      .updateTable('tenants')
      .set({ ...Object.fromEntries(stale.map((c) => [c, seal(open(row[c]!, keyring), keyring)])), ...(staleSettings ? { settings: JSON.stringify(settings) } : {}) })
      .where('id', '=', row.id);
    for (const c of stale) q = q.where(c, '=', row[c]!);
    if (staleSettings) q = q.where(sql<boolean>`settings = ${JSON.stringify(row.settings)}::jsonb`);
    const res = await q.executeTakeFirst();
    resealed += Number(res.numUpdatedRows);
  }
  return resealed;
}
