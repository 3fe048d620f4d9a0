import { sql } from 'kysely';
import type { Db } from '../store/db';

export interface Backlog {
  /** Contacts whose recompute is owed. */
  owed: number;
  /** Outbox rows not yet sent (pending or in flight). */
  unsent: number;
}

/**
 * What the pipeline still has to do, across active tenants: zero and zero means idle. For operators and
 * tools. An inactive tenant's held writes wait for its reinstall; they are not work the pipeline can do.
 */
export async function pipelineBacklog(db: Db): Promise<Backlog> {
  const { rows } = await sql<{ owed: number; unsent: number }>`
    select (select count(*) from contact_state c join tenants t on t.id = c.tenant_id
             where t.status = 'active' and c.dirty_seq > c.processed_seq and not c.deleted)::int8 as owed,
           (select count(*) from outbox o join tenants t on t.id = o.tenant_id
             where t.status = 'active' and o.status in ('pending', 'sending'))::int8 as unsent`.execute(db);
  return { owed: Number(rows[0]!.owed), unsent: Number(rows[0]!.unsent) };
}

/** Waits until the backlog has been empty for `quietMs` (a write can queue a recompute and back). */
export async function waitUntilIdle(db: Db, opts: { timeoutMs?: number; quietMs?: number; everyMs?: number; tick?: () => Promise<unknown> } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let quietSince = 0;
  while (Date.now() < deadline) {
    await opts.tick?.();
    const b = await pipelineBacklog(db);
    const idle = b.owed === 0 && b.unsent === 0;
    if (idle && quietSince && Date.now() - quietSince >= (opts.quietMs ?? 0)) return;
    quietSince = idle ? quietSince || Date.now() : 0;
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
  }
  throw new Error('the pipeline did not go idle within the time limit');
}
