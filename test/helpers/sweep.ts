import { sweepOnce, sweepOutbox } from '../../src/queue/sweeper';
import { enqueueWrite } from '../../src/writer/write-queue';
import type { Stack } from './e2e';

/**
 * The sweeper's next tick (it runs every 15 s), taken now: contacts owed a recompute and tenants with
 * unsent rows are queued on the stack's real queues, as they would be once their grace periods passed.
 */
export async function sweepNow(stack: Stack): Promise<{ contacts: number; tenants: number }> {
  const { db } = stack.runtime.store;
  const tick = new Date(Date.now() + 15_000);
  const contacts = await sweepOnce(db, stack.runtime.recomputeQueue, tick);
  const tenants = await sweepOutbox(db, (t) => enqueueWrite(stack.runtime.writeQueue, t), tick);
  return { contacts, tenants };
}
