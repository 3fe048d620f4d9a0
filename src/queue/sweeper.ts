import { sql } from 'kysely';
import type { Logger } from '../log';
import type { Db } from '../store/db';
import { enqueueRecompute, type RecomputeQueue } from './recompute-queue';

/**
 * The safety net under the queue: finds contacts whose recompute is owed (dirty, or a timer due) and
 * queues them, those that waited longest first, so a backlog larger than `limit` drains in order instead
 * of the same rows winning every tick. Covers a Redis that lost its data, a worker killed mid-job and the
 * instant between a job's last check and its completion. Only active tenants: deactivation leaves an
 * inactive tenant's contacts owing nothing, and this keeps one dirtied in the instant around it unqueued.
 */
export async function sweepOnce(db: Db, queue: RecomputeQueue, now: Date, graceMs = 5000, limit = 1000): Promise<number> {
  const cutoff = new Date(now.getTime() - graceMs);
  const dirty = sql<boolean>`contact_state.dirty_seq > contact_state.processed_seq`;
  const owed = await db
    .selectFrom('contact_state')
    .innerJoin('tenants', 'tenants.id', 'contact_state.tenant_id')
    .select(['contact_state.tenant_id', 'contact_state.object_type', 'contact_state.contact_id'])
    .where('tenants.status', '=', 'active')
    .where('contact_state.deleted', '=', false)
    .where((eb) => eb.or([eb.and([dirty, eb('contact_state.updated_at', '<', cutoff)]), eb('contact_state.next_wake_at', '<=', now)]))
    // Owed since: the change that made it dirty, or its timer; `least` skips the null of the other.
    .orderBy(sql`least(case when ${dirty} then contact_state.updated_at end, contact_state.next_wake_at)`)
    .limit(limit)
    .execute();
  const due = owed.map((r) => ({ tenantId: r.tenant_id, objectType: r.object_type, contactId: r.contact_id }));
  await enqueueRecompute(queue, due, 'sweep');
  return due.length;
}

export function startSweeper(db: Db, queue: RecomputeQueue, log: Logger, everyMs = 15000, enqueueWrite?: (tenantId: string) => Promise<void>): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const n = await sweepOnce(db, queue, new Date());
      if (n > 0) log.info('sweeper.queued', { contacts: n });
      if (enqueueWrite) {
        const t = await sweepOutbox(db, enqueueWrite, new Date());
        if (t > 0) log.info('sweeper.writes_queued', { tenants: t });
      }
    } catch (err) {
      log.warn('sweeper.failed', { error: (err as Error).message });
    } finally {
      running = false;
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The writer's safety net: rows left `sending` by a process that died are released (a task among them
 * is looked up before any resend), and active tenants with pending rows nobody queued get a drain job.
 * An inactive tenant's rows wait for its reinstall: a drain would only find it blocked, every tick.
 */
export async function sweepOutbox(db: Db, enqueue: (tenantId: string) => Promise<void>, now: Date, staleMs = 120_000, graceMs = 10_000): Promise<number> {
  await db.updateTable('outbox').set({ status: 'pending', updated_at: now }).where('status', '=', 'sending').where('updated_at', '<', new Date(now.getTime() - staleMs)).execute();
  const tenants = await db
    .selectFrom('outbox')
    .innerJoin('tenants', 'tenants.id', 'outbox.tenant_id')
    .select('outbox.tenant_id')
    .distinct()
    .where('tenants.status', '=', 'active')
    .where('outbox.status', '=', 'pending')
    .where('outbox.updated_at', '<', new Date(now.getTime() - graceMs))
    .execute();
  for (const t of tenants) await enqueue(t.tenant_id);
  return tenants.length;
}
