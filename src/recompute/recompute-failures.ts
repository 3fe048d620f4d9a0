import { sql } from 'kysely';
import type { ContactKey } from '../ingest/record';
import type { Db } from '../store/db';
import type { DeadLetter } from '../store/tables';

/** Failures in a row after which a contact is dead-lettered instead of swept again. */
export const MAX_RECOMPUTE_FAILURES = 5;

/**
 * Counts a recompute that failed for a reason retrying will not fix. The `max`th failure in a row
 * dead-letters the contact with the error's text and parks it — nothing owed, no timer — so the sweeper
 * stops queueing it until a new event arrives (one more try) or the admin replays the dead letter
 * (`reoweContact`: `max` more). A change recorded after the failed run began keeps it owed: that run
 * never saw it. Returns whether the contact is dead-lettered.
 */
export async function recordRecomputeFailure(db: Db, k: ContactKey, error: string, startedAt: Date, now: Date, max = MAX_RECOMPUTE_FAILURES): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // SET sees the row as it was: `failures` and `updated_at` below are the values before this update.
    const parks = sql<boolean>`failures + 1 >= ${max}`;
    const row = await trx
      .updateTable('contact_state')
      .set({
        failures: sql<number>`failures + 1`,
        last_error: error,
        // Pushed behind the contacts that waited longer: the sweeper takes the oldest owed first.
        updated_at: now,
        processed_seq: sql<number>`case when ${parks} and updated_at < ${startedAt} then dirty_seq else processed_seq end`,
        next_wake_at: sql<Date | null>`case when ${parks} then null else next_wake_at end`,
      })
      .where((eb) => eb.and(keyOf(k)))
      .returning('failures')
      .executeTakeFirst();
    if (!row || row.failures < max) return false;
    // One open dead letter per contact: a contact that keeps failing updates it rather than adding rows.
    const ref = `${k.objectType}:${k.contactId}`;
    const payload = JSON.stringify({ contactId: k.contactId, objectType: k.objectType, failures: row.failures });
    const open = await trx.updateTable('dead_letters').set({ error, payload }).where('tenant_id', '=', k.tenantId).where('origin', '=', 'recompute').where('ref_id', '=', ref).where('replayed_at', 'is', null).executeTakeFirst();
    if (Number(open.numUpdatedRows) === 0) await trx.insertInto('dead_letters').values({ tenant_id: k.tenantId, origin: 'recompute', ref_id: ref, payload, error, replayed_at: null }).execute();
    return true;
  });
}

/**
 * Replaying a recompute dead letter: its contact is owed again, with a fresh count of failures, and the
 * sweeper queues it. Runs in the replay's transaction; false when the letter names no contact Kindling holds.
 */
export async function reoweContact(trx: Db, dl: Pick<DeadLetter, 'tenant_id' | 'payload'>, now = new Date()): Promise<boolean> {
  const { objectType, contactId } = dl.payload as { objectType?: unknown; contactId?: unknown };
  if ((objectType !== 'contact' && objectType !== 'lead') || typeof contactId !== 'string') return false;
  const res = await trx
    .updateTable('contact_state')
    .set({ dirty_seq: sql<number>`dirty_seq + 1`, failures: 0, last_error: null, updated_at: now })
    .where((eb) => eb.and(keyOf({ tenantId: dl.tenant_id, objectType, contactId })))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

function keyOf(k: ContactKey) {
  return { tenant_id: k.tenantId, object_type: k.objectType, contact_id: k.contactId };
}
