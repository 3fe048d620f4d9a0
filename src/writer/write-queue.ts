import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const WRITE_QUEUE = 'kindling-write';
export type WriteQueue = Queue<{ tenantId: string }>;

export function createWriteQueue(connection: Redis, prefix?: string): WriteQueue {
  return new Queue(WRITE_QUEUE, { connection, ...(prefix ? { prefix } : {}) });
}

/** One drain job per tenant at a time: its id is the tenant, so a burst of recomputes queues one. */
export async function enqueueWrite(queue: WriteQueue, tenantId: string, delayMs = 0): Promise<void> {
  await queue.add('drain', { tenantId }, { jobId: `write.${tenantId}`, delay: delayMs, removeOnComplete: true, removeOnFail: true, attempts: 1 });
}
