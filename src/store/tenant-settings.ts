import type { Transaction } from 'kysely';
import { createHash } from 'node:crypto';
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
    await audit(trx, { ...entry, detail: { ...(entry.detail as object), changes: modelDiff(sealedAsFingerprints(before), sealedAsFingerprints(next)) } });
    await also?.(trx);
  });
}

/** Sealed values (`…Enc`, such as the alert channel's URL) stand in the audit as a short fingerprint: a change shows, the secret does not. */
function sealedAsFingerprints(v: unknown, key = ''): unknown {
  if (typeof v === 'string' && key.endsWith('Enc')) return `sealed #${createHash('sha256').update(v).digest('hex').slice(0, 8)}`;
  if (Array.isArray(v)) return v.map((x) => sealedAsFingerprints(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sealedAsFingerprints(x, k)]));
  return v;
}
