import { DelayedError, type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import type { Db } from '../store/db';
import { RECOMPUTE_QUEUE, type RecomputeJob } from './recompute-queue';

/**
 * Recomputes one contact and returns the dirty sequence it covered. Must be idempotent: it may run again
 * for the same contact at any time (retries, sweeps, timers).
 */
export type RecomputeFn = (job: RecomputeJob, log: Logger) => Promise<void>;

export interface RecomputeWorkerDeps {
  connection: Redis;
  prefix?: string;
  db: Db;
  recompute: RecomputeFn;
  log: Logger;
  metrics: Metrics;
  concurrency?: number;
}

export function startRecomputeWorker(deps: RecomputeWorkerDeps): Worker<RecomputeJob> {
  const worker = new Worker<RecomputeJob>(
    RECOMPUTE_QUEUE,
    async (job: Job<RecomputeJob>, token?: string) => {
      const log = deps.log.child({ jobId: job.id, tenantId: job.data.tenantId, contact: job.data.contactId });
      await deps.recompute(job.data, log);
      // A change recorded while we ran could not queue a job (this one held the id): run again now.
      if (await isOwed(deps.db, job.data)) {
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
    },
    { connection: deps.connection, concurrency: deps.concurrency ?? 8, ...(deps.prefix ? { prefix: deps.prefix } : {}) },
  );
  worker.on('completed', () => deps.metrics.jobs.inc({ queue: 'recompute', outcome: 'completed' }));
  worker.on('failed', (job, err) => {
    deps.metrics.jobs.inc({ queue: 'recompute', outcome: 'failed' });
    deps.log.error('recompute.failed', { jobId: job?.id, tenantId: job?.data.tenantId, contact: job?.data.contactId, attempt: job?.attemptsMade, error: err.message });
  });
  worker.on('error', (err) => deps.log.error('recompute.worker_error', { error: err.message }));
  return worker;
}

async function isOwed(db: Db, k: RecomputeJob): Promise<boolean> {
  const row = await db
    .selectFrom('contact_state')
    .select(['dirty_seq', 'processed_seq', 'deleted'])
    .where('tenant_id', '=', k.tenantId)
    .where('object_type', '=', k.objectType)
    .where('contact_id', '=', k.contactId)
    .executeTakeFirst();
  return !!row && !row.deleted && Number(row.dirty_seq) > Number(row.processed_seq);
}
