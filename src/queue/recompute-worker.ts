import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { isTransient } from '../errors';
import { recordRecomputeFailure } from '../recompute/recompute-failures';
import type { Db } from '../store/db';
import { RECOMPUTE_QUEUE, type RecomputeJob } from './recompute-queue';

/**
 * Recomputes one contact, advancing its processed sequence to the dirty sequence it saw. Must be
 * idempotent: it may run again for the same contact at any time (retries, sweeps, timers).
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
      const startedAt = new Date();
      try {
        await deps.recompute(job.data, log);
      } catch (err) {
        throw await failure(deps, job.data, err, startedAt, log);
      }
      const row = await stateOf(deps.db, job.data);
      // A change recorded while we ran could not queue a job (this one held the id): run again now.
      if (row && !row.deleted && Number(row.dirty_seq) > Number(row.processed_seq)) {
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

/**
 * What a failed run throws to BullMQ. A transient failure as it is: retried with backoff, not counted.
 * Any other is counted against the contact and not retried at once — it would fail the same way; the
 * sweeper's cadence spaces the next tries out until the count dead-letters the contact.
 */
async function failure(deps: RecomputeWorkerDeps, k: RecomputeJob, err: unknown, startedAt: Date, log: Logger): Promise<unknown> {
  if (isTransient(err)) return err;
  const error = err instanceof Error ? err.message : String(err);
  if (await recordRecomputeFailure(deps.db, k, error, startedAt, new Date())) log.warn('recompute.dead_letter', { error });
  return new UnrecoverableError(error);
}

async function stateOf(db: Db, k: RecomputeJob) {
  return db
    .selectFrom('contact_state')
    .select(['dirty_seq', 'processed_seq', 'deleted'])
    .where('tenant_id', '=', k.tenantId)
    .where('object_type', '=', k.objectType)
    .where('contact_id', '=', k.contactId)
    .executeTakeFirst();
}
