import type { Transaction } from 'kysely';
import { createHash } from 'node:crypto';
import { mapSealed } from '../crypto';
import { modelDiff } from '../models/model-diff';
import { audit } from './audit';
import type { Db } from './db';
import type { Database } from './tables';

type Settings = Record<string, unknown>;

/**
 * An admin's change to a tenant's settings, made from what the row holds now under its row lock (so two
 * saves, or a save and a worker's note, never overwrite each other's keys with a stale copy) and audited
 * in the same transaction. `also` runs in that transaction too (e.g. marking cached profiles stale).
 */
export async function saveSettings(db: Db, entry: { tenantId: string; actor: unknown; action: string; detail: unknown }, change: (settings: Settings) => Settings, also?: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('tenants').select('settings').where('id', '=', entry.tenantId).forUpdate().executeTakeFirstOrThrow();
    const before = (row.settings ?? {}) as Settings;
    const next = change({ ...before });
    await trx.updateTable('tenants').set({ settings: JSON.stringify(next), updated_at: new Date() }).where('id', '=', entry.tenantId).execute();
    // What changed, old value to new, so the audit answers "what did they change" and not only "they saved".
    await audit(trx, { ...entry, detail: { ...(entry.detail as object), changes: modelDiff(mapSealed(before, fingerprint), mapSealed(next, fingerprint)) } });
    await also?.(trx);
  });
}

/** A sealed value stands in the audit as a short fingerprint: a change shows, the secret does not. */
const fingerprint = (sealed: string) => `sealed #${createHash('sha256').update(sealed).digest('hex').slice(0, 8)}`;
