import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { PermanentCrmError, RateLimited, TransientCrmError } from '../../src/errors';
import { recordInbound } from '../../src/ingest/record';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import { createRedis } from '../../src/queue/connection';
import { createRecomputeQueue, type RecomputeJob, type RecomputeQueue, recomputeJobId } from '../../src/queue/recompute-queue';
import { type RecomputeFn, startRecomputeWorker } from '../../src/queue/recompute-worker';
import { sweepOnce } from '../../src/queue/sweeper';
import { reoweContact } from '../../src/recompute/recompute-failures';
import type { Store } from '../../src/store/db';
import { eventually } from '../helpers/eventually';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

const FORBIDDEN = "HubSpot 403: This app hasn't been granted all required scopes to make this call.";

describe.each(drivers)('a recompute that keeps failing, on %s', (driver) => {
  let store: Store;
  let redis: Redis;
  let queue: RecomputeQueue;
  let worker: Worker<RecomputeJob> | undefined;
  let tenantId: string;
  let event = 0;

  beforeEach(async () => {
    store = await testStore(driver);
    tenantId = await seedTenant(store, 'hubspot', '62515');
    redis = createRedis('redis://127.0.0.1:6379');
    queue = createRecomputeQueue(redis, `kt-${randomBytes(4).toString('hex')}`);
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await store.close();
  });

  const contact = () => ({ tenantId, objectType: 'contact' as const, contactId: '1' });
  const start = (recompute: RecomputeFn) => {
    worker = startRecomputeWorker({ connection: redis, prefix: queue.opts.prefix!, db: store.db, recompute, log: createLogger('error', true), metrics: createMetrics({ defaults: false }) });
  };
  const newEvent = () =>
    recordInbound(store.db, 'hubspot', [{ kind: 'event', accountId: '62515', contact: { objectType: 'contact', id: '1' }, event: { type: 'email_opened', occurredAt: new Date(), source: 'hubspot', sourceEventId: `open-${++event}`, attrs: {} } }]);
  const state = () => store.db.selectFrom('contact_state').selectAll().executeTakeFirstOrThrow();
  const deadLetters = () => store.db.selectFrom('dead_letters').selectAll().execute();
  // Past the sweeper's grace, as a later tick sees it.
  const sweep = () => sweepOnce(store.db, queue, new Date(Date.now() + 60_000));
  /** One sweep, and the job it queued run to its end (failed jobs are removed, so the next sweep can queue again). */
  const sweepAndSettle = async (calls: () => number) => {
    const before = calls();
    expect(await sweep()).toBe(1);
    await eventually(async () => calls() > before && !(await queue.getJob(recomputeJobId(contact()))));
  };

  it('is dead-lettered with the error after five failures in a row, then swept no more until a new event or a replay', async () => {
    let calls = 0;
    start(async () => {
      calls++;
      throw new PermanentCrmError(FORBIDDEN, 403);
    });
    await newEvent();
    for (let i = 1; i <= 5; i++) {
      await sweepAndSettle(() => calls);
      expect((await state()).failures).toBe(i);
    }
    expect(calls).toBe(5);
    const [dl, ...more] = await deadLetters();
    expect(more).toHaveLength(0);
    expect(dl).toMatchObject({ tenant_id: tenantId, origin: 'recompute', ref_id: 'contact:1', error: FORBIDDEN, payload: { contactId: '1', objectType: 'contact', failures: 5 }, replayed_at: null });
    expect(await sweep()).toBe(0);

    // A new event gets it one more try; failing again updates the same dead letter.
    await newEvent();
    await sweepAndSettle(() => calls);
    expect(await sweep()).toBe(0);
    expect(await deadLetters()).toEqual([expect.objectContaining({ id: dl!.id, payload: expect.objectContaining({ failures: 6 }) })]);

    // Replayed, it is owed again with a fresh count.
    expect(await store.db.transaction().execute((trx) => reoweContact(trx, dl!))).toBe(true);
    expect((await state()).failures).toBe(0);
    expect(await sweep()).toBe(1);
  });

  it('does not count transient failures, and a success ends a run of failures', async () => {
    const failures: number[] = [];
    const script = [new PermanentCrmError(FORBIDDEN, 403), new TransientCrmError('socket hang up'), new RateLimited(10)];
    start(async () => {
      failures.push((await state()).failures);
      const next = script.shift();
      if (next) throw next;
      // What a successful recompute leaves (see the recompute's own test): nothing owed, no failures in a row.
      await store.db.updateTable('contact_state').set((eb) => ({ processed_seq: eb.ref('dirty_seq'), failures: 0, last_error: null })).execute();
    });
    await newEvent();
    await sweepAndSettle(() => failures.length);
    // BullMQ retries the transient failures itself, with backoff; the third try succeeds.
    await sweep();
    await eventually(async () => failures.length === 4 && (await state()).failures === 0, 15_000);
    expect(failures).toEqual([0, 1, 1, 1]);
    expect(await deadLetters()).toHaveLength(0);
  });
});
