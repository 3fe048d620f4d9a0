import type { CrmConnector, ItemResult, PropertyUpdate, TaskInput } from '../../src/crm/connector';
import type { InboundItem } from '../../src/ingest/inbound';
import { recordInbound } from '../../src/ingest/record';
import { createLogger } from '../../src/log';
import { createModelStore } from '../../src/models/model-store';
import type { RecomputeJob, RecomputeQueue } from '../../src/queue/recompute-queue';
import { sweepOnce, sweepOutbox } from '../../src/queue/sweeper';
import { createRecompute } from '../../src/recompute/recompute-contact';
import type { Store } from '../../src/store/db';
import { drainTenant } from '../../src/writer/drain';

export const ACCOUNT = '62515';
/** Items as a test writes them: every one is for `ACCOUNT`. */
type WithoutAccount<T> = T extends unknown ? Omit<T, 'accountId'> : never;
const log = createLogger('error', true);

/** A HubSpot stand-in that keeps what it was sent: every property update and every task it created. */
export function fakeCrm() {
  const updates: PropertyUpdate[] = [];
  const tasks: Array<TaskInput & { id: string }> = [];
  const ok = (): ItemResult => ({ ok: true });
  const connector = {
    crm: 'hubspot',
    batchSize: 100,
    async updateProperties(_t: unknown, inputs: PropertyUpdate[]) {
      updates.push(...inputs);
      return inputs.map(ok);
    },
    async createTasks(_t: unknown, inputs: TaskInput[]) {
      return inputs.map((input): ItemResult => {
        const id = `task-${tasks.length + 1}`;
        tasks.push({ ...input, id });
        return { ok: true, id };
      });
    },
    async findTask(_t: unknown, input: TaskInput) {
      return tasks.find((t) => t.contactId === input.contactId && t.task.subject === input.task.subject)?.id;
    },
    enroll: async () => ok(),
    unenroll: async () => ok(),
  } as unknown as CrmConnector;
  return { connector, updates, tasks };
}

/**
 * The pipeline without Redis: ingest records, the sweeper finds what is owed, recomputes run one by one,
 * the writer drains into `crm`. Every step on the real store and the real code, driven by the test.
 */
export function pipeline(store: Store, crm: CrmConnector) {
  const recompute = createRecompute({
    db: store.db,
    models: createModelStore(store.db),
    readProfiles: async (_t, _type, ids) => new Map(ids.map((id) => [id, { firstName: 'Jane', lastName: `Doe ${id}`, company: 'Acme', jobTitle: 'VP Sales', companySize: 300, lifecycleStage: 'lead' as const, attributes: {} }])),
    afterOutbox: async () => {},
    scheduleWake: async () => {},
    now: () => new Date(),
  });
  return {
    record: (items: Array<WithoutAccount<Extract<InboundItem, { kind: 'event' | 'merged' }>>>) =>
      recordInbound(store.db, 'hubspot', items.map((i) => ({ ...i, accountId: ACCOUNT }) as InboundItem)),
    event: (contactId: string, type: string, attrs: Record<string, unknown> = {}, id = `${type}-${contactId}`) => ({
      kind: 'event' as const,
      contact: { objectType: 'contact' as const, id: contactId },
      event: { type, occurredAt: new Date(Date.now() - 60_000), source: 'hubspot', sourceEventId: id, attrs },
    }),
    recompute: (tenantId: string, contactId: string) => recompute({ tenantId, objectType: 'contact', contactId, cause: 'event' }, log),
    /** What a later sweeper tick would queue, recomputed; the contact ids. */
    async recomputeOwed(): Promise<string[]> {
      const jobs: RecomputeJob[] = [];
      const queue = { addBulk: async (js: Array<{ data: RecomputeJob }>) => void jobs.push(...js.map((j) => j.data)) } as unknown as RecomputeQueue;
      await sweepOnce(store.db, queue, new Date(Date.now() + 60_000));
      for (const job of jobs) await recompute(job, log);
      return jobs.map((j) => j.contactId).sort();
    },
    /** A later writer tick: rows a dead process left `sending` released, then the tenant drained. */
    async drain(tenantId: string) {
      await sweepOutbox(store.db, async () => {}, new Date(Date.now() + 600_000));
      return drainTenant({ db: store.db, connectors: { hubspot: crm }, log }, tenantId);
    },
  };
}
