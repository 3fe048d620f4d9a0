import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ContactKey } from '../ingest/record';

export const RECOMPUTE_QUEUE = 'kindling-recompute';

export interface RecomputeJob extends ContactKey {
  /** Why the job was queued: an event arrived, a timer fired, or the sweeper found owed work. */
  cause: 'event' | 'timer' | 'sweep' | 'replay';
}

export type RecomputeQueue = Queue<RecomputeJob>;

export function createRecomputeQueue(connection: Redis, prefix?: string): RecomputeQueue {
  return new Queue<RecomputeJob>(RECOMPUTE_QUEUE, { connection, ...(prefix ? { prefix } : {}) });
}

/**
 * The job id is the contact: while a recompute for it waits, adding another is a no-op, so a burst of
 * events for one contact costs one recompute. Jobs are removed on completion so the next event can queue
 * a new one; a change recorded while a job runs is caught by the worker's dirty-sequence check.
 */
export function recomputeJobId(k: ContactKey): string {
  return `${k.tenantId}.${k.objectType}.${k.contactId}`;
}

export async function enqueueRecompute(queue: RecomputeQueue, keys: ContactKey[], cause: RecomputeJob['cause'] = 'event'): Promise<void> {
  if (keys.length === 0) return;
  await queue.addBulk(
    keys.map((k) => ({
      name: 'recompute',
      data: { ...k, cause },
      opts: {
        jobId: recomputeJobId(k),
        removeOnComplete: true,
        removeOnFail: true,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
      },
    })),
  );
}

/**
 * A contact's timer: a delayed recompute at the moment time alone changes its result (silence, welcome
 * ending, cooldown). The id names the instant, so a new timer never collides with the one now running;
 * the earlier one is removed if it is still waiting. `next_wake_at` in the database backs it up.
 */
export async function scheduleWake(queue: RecomputeQueue, k: ContactKey, at: Date | undefined, previous: Date | undefined, now = Date.now()): Promise<void> {
  const id = (d: Date) => `wake.${recomputeJobId(k)}.${d.getTime()}`;
  if (previous && previous.getTime() !== at?.getTime()) {
    const old = await queue.getJob(id(previous));
    if (old && (await old.isDelayed())) await old.remove();
  }
  if (!at) return;
  await queue.add('recompute', { ...k, cause: 'timer' }, { jobId: id(at), delay: Math.max(0, at.getTime() - now), removeOnComplete: true, removeOnFail: true, attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
}
