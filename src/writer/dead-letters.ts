import { sql } from 'kysely';
import { reoweContact } from '../recompute/recompute-failures';
import type { Db } from '../store/db';

/** Moves an outbox row to the dead-letter list with the CRM's own message, for the admin to see. */
export async function deadLetter(db: Db, row: { id: number; tenant_id: string; contact_id: string; kind: string; payload: unknown }, error: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('outbox').set({ status: 'dead', last_error: error, updated_at: new Date() }).where('id', '=', row.id).where('tenant_id', '=', row.tenant_id).execute();
    await trx
      .insertInto('dead_letters')
      .values({ tenant_id: row.tenant_id, origin: 'outbox', ref_id: String(row.id), payload: JSON.stringify({ contactId: row.contact_id, kind: row.kind, payload: row.payload }), error, replayed_at: null })
      .execute();
  });
}

/**
 * Replays a dead letter, tenant-scoped: a refused write's outbox row goes back to pending with a fresh
 * attempt count; a contact whose recompute kept failing is owed a recompute again, its count reset.
 */
export async function replayDeadLetter(db: Db, tenantId: string, id: number): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const dl = await trx.selectFrom('dead_letters').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).where('replayed_at', 'is', null).executeTakeFirst();
    if (!dl) return false;
    if (dl.origin === 'recompute') {
      if (!(await reoweContact(trx, dl))) return false;
    } else if (dl.origin === 'outbox' && dl.ref_id) {
      // Queued again now: an action dead-lettered for its age is sent when the admin asks.
      // (created_at is otherwise never updated, so the typed builder does not offer it.)
      await sql`update outbox set status = 'pending', attempts = 0, last_error = null, created_at = now(), updated_at = now() where tenant_id = ${tenantId} and id = ${Number(dl.ref_id)}`.execute(trx);
    } else return false;
    await trx.updateTable('dead_letters').set({ replayed_at: new Date() }).where('id', '=', dl.id).execute();
    return true;
  });
}
