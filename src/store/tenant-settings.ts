import type { Transaction } from 'kysely';
import type { Database } from './tables';

/**
 * Changes a tenant's settings from what the row holds now, under its row lock: an admin's save and a
 * worker's note (enrichment detected) never overwrite each other's keys with a stale copy.
 */
export async function updateSettings(trx: Transaction<Database>, tenantId: string, change: (settings: Record<string, unknown>) => Record<string, unknown>): Promise<void> {
  const row = await trx.selectFrom('tenants').select('settings').where('id', '=', tenantId).forUpdate().executeTakeFirstOrThrow();
  const next = change({ ...((row.settings ?? {}) as Record<string, unknown>) });
  await trx.updateTable('tenants').set({ settings: JSON.stringify(next), updated_at: new Date() }).where('id', '=', tenantId).execute();
}
