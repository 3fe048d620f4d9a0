import { DelayedError, type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Metrics } from '../metrics';
import { drainTenant, type WriterDeps } from './drain';
import { WRITE_QUEUE } from './write-queue';

async function hasPending(db: WriterDeps['db'], tenantId: string): Promise<boolean> {
  const row = await db.selectFrom('outbox').select('id').where('tenant_id', '=', tenantId).where('status', '=', 'pending').limit(1).executeTakeFirst();
  return !!row;
}

/** Drains one tenant's outbox per job; a rate limit or transient failure delays the job, not the worker. */
export function startWriteWorker(deps: WriterDeps & { connection: Redis; prefix?: string; metrics: Metrics; concurrency?: number }): Worker<{ tenantId: string }> {
  const worker = new Worker<{ tenantId: string }>(
    WRITE_QUEUE,
    async (job: Job<{ tenantId: string }>, token?: string) => {
      const r = await drainTenant(deps, job.data.tenantId);
      deps.metrics.jobs.inc({ queue: 'write', outcome: 'drained' });
      // A row committed after the drain's last claim could not queue a job (this one held the id): look
      // once more before finishing, and run again at once if there is one.
      const again = r.retryAfterMs ?? (!r.blocked && (await hasPending(deps.db, job.data.tenantId)) ? 0 : undefined);
      if (again !== undefined) {
        await job.moveToDelayed(Date.now() + again, token);
        throw new DelayedError();
      }
      return r;
    },
    { connection: deps.connection, concurrency: deps.concurrency ?? 4, ...(deps.prefix ? { prefix: deps.prefix } : {}) },
  );
  worker.on('error', (err) => deps.log.error('writer.worker_error', { error: err.message }));
  worker.on('failed', (job, err) => deps.log.error('writer.failed', { tenantId: job?.data.tenantId, error: err.message }));
  return worker;
}
