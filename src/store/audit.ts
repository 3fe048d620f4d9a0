import type { Db } from './db';

/** One line of the tenant's audit trail (who, what, with what detail); `at` is the database's clock. */
export async function audit(db: Db, entry: { tenantId: string; actor: unknown; action: string; detail: unknown }): Promise<void> {
  await db.insertInto('audit_log').values({ tenant_id: entry.tenantId, actor: String(entry.actor), action: entry.action, detail: JSON.stringify(entry.detail) }).execute();
}
