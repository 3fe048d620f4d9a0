import type { Runtime } from '../../src/runtime';
import { sweepOnce } from '../../src/queue/sweeper';
import type { Store } from '../../src/store/db';
import type { RecomputeJob } from '../../src/queue/recompute-queue';
import { eventually } from '../helpers/eventually';
import { hubspotEvent, signedHeaders } from '../helpers/hubspot';
import { PUBLIC_URL, seedTenant, testRuntime } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

describe.each(drivers)('recompute queue on %s', (driver) => {
  let store: Store;
  let runtime: (Runtime & { prefix: string }) | undefined;

  beforeEach(async () => {
    store = await testStore(driver);
    await seedTenant(store, 'hubspot', '62515');
  });
  afterEach(async () => {
    await runtime?.recomputeQueue.obliterate({ force: true });
    await runtime?.close();
    runtime = undefined;
    await store.close();
  });

  async function post(events: unknown[]) {
    const body = JSON.stringify(events);
    const res = await fetch(`${runtime!.url}/webhooks/hubspot`, { method: 'POST', body, headers: signedHeaders(`${PUBLIC_URL}/webhooks/hubspot`, body) });
    expect(res.status).toBe(200);
  }

  it('runs again when a change lands while a recompute for the same contact is running', async () => {
    const seen: RecomputeJob[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    runtime = await testRuntime(store, 'all', {
      recompute: async (job) => {
        seen.push(job);
        // Like a real recompute, note the sequence first, then hold the run while a second event lands.
        const row = await store.db.selectFrom('contact_state').select('dirty_seq').where('contact_id', '=', job.contactId).executeTakeFirstOrThrow();
        if (seen.length === 1) await gate;
        await store.db.updateTable('contact_state').set({ processed_seq: row.dirty_seq }).where('contact_id', '=', job.contactId).execute();
      },
    });
    await post([hubspotEvent({ objectId: 5, occurredAt: 1763900000001 })]);
    await eventually(() => seen.length === 1);
    await post([hubspotEvent({ objectId: 5, occurredAt: 1763900000002 })]);
    release();
    await eventually(async () => {
      const row = await store.db.selectFrom('contact_state').select(['dirty_seq', 'processed_seq']).where('contact_id', '=', '5').executeTakeFirstOrThrow();
      return Number(row.processed_seq) === Number(row.dirty_seq) && seen.length === 2;
    });
  });

  it('the sweeper queues contacts whose work is owed after Redis lost their jobs', async () => {
    runtime = await testRuntime(store, 'web');
    await post([hubspotEvent({ objectId: 9 }), hubspotEvent({ objectId: 10, occurredAt: 1763900000005 })]);
    await eventually(async () => (await runtime!.recomputeQueue.count()) === 2);
    await runtime.recomputeQueue.obliterate({ force: true }); // Redis restarted without persistence
    expect(await runtime.recomputeQueue.count()).toBe(0);
    const queued = await sweepOnce(store.db, runtime.recomputeQueue, new Date(Date.now() + 60_000));
    expect(queued).toBe(2);
    const jobs = await runtime.recomputeQueue.getJobs(['waiting']);
    expect(jobs.map((j) => j.data.contactId).sort()).toEqual(['10', '9']);
    expect(jobs.every((j) => j.data.cause === 'sweep')).toBe(true);
  });
});
