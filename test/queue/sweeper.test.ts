import { createLogger } from '../../src/log';
import { createModelStore } from '../../src/models/model-store';
import type { RecomputeJob, RecomputeQueue } from '../../src/queue/recompute-queue';
import { sweepOnce, sweepOutbox } from '../../src/queue/sweeper';
import { createRecompute } from '../../src/recompute/recompute-contact';
import type { Store } from '../../src/store/db';
import { deactivateTenant, upsertInstalledTenant } from '../../src/store/tenants';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

const NOW = new Date('2026-11-20T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

/** The queue as the sweeper uses it: what it adds is all these tests look at. */
function fakeQueue(): RecomputeQueue & { added: RecomputeJob[] } {
  const added: RecomputeJob[] = [];
  return { added, addBulk: async (jobs: Array<{ data: RecomputeJob }>) => void added.push(...jobs.map((j) => j.data)) } as unknown as RecomputeQueue & { added: RecomputeJob[] };
}

describe.each(drivers)('the sweeper on %s', (driver) => {
  let store: Store;

  beforeEach(async () => {
    store = await testStore(driver);
  });
  afterEach(() => store.close());

  const owe = (tenantId: string, contactId: string, opts: { dirtySince?: Date; wakeAt?: Date }) =>
    store.db
      .insertInto('contact_state')
      .values({ tenant_id: tenantId, object_type: 'contact', contact_id: contactId, written: JSON.stringify({}), profile: null, profile_fetched_at: null, result: null, model_version: null, dirty_seq: opts.dirtySince ? 1 : 0, updated_at: opts.dirtySince ?? minutesAgo(60), next_wake_at: opts.wakeAt ?? null })
      .execute();

  it('queues no contact of an uninstalled or reconnecting tenant, however much it owes', async () => {
    const active = await seedTenant(store, 'hubspot', '1');
    const gone = await seedTenant(store, 'hubspot', '2');
    const revoked = await seedTenant(store, 'salesforce', '00D3');
    await store.db.updateTable('tenants').set({ status: 'uninstalled' }).where('id', '=', gone).execute();
    await store.db.updateTable('tenants').set({ status: 'reconnect' }).where('id', '=', revoked).execute();
    for (const t of [active, gone, revoked]) {
      await owe(t, `dirty-${t}`, { dirtySince: minutesAgo(30) });
      await owe(t, `wake-${t}`, { wakeAt: minutesAgo(30) });
    }
    const queue = fakeQueue();
    expect(await sweepOnce(store.db, queue, NOW)).toBe(2);
    expect(queue.added.map((j) => j.tenantId)).toEqual([active, active]);
  });

  it('takes the contacts that have waited longest first, whether a change or a timer made them owed', async () => {
    const t = await seedTenant(store, 'hubspot', '1');
    // Inserted newest first, so the table's own order is the wrong one.
    await owe(t, 'dirty-5m', { dirtySince: minutesAgo(5) });
    await owe(t, 'wake-10m', { wakeAt: minutesAgo(10) });
    await owe(t, 'dirty-40m', { dirtySince: minutesAgo(40) });
    await owe(t, 'wake-90m', { wakeAt: minutesAgo(90) });
    const queue = fakeQueue();
    expect(await sweepOnce(store.db, queue, NOW, 5000, 3)).toBe(3);
    expect(queue.added.map((j) => j.contactId)).toEqual(['wake-90m', 'dirty-40m', 'wake-10m']);
  });

  it('a reinstall makes owed again the contacts whose timers came due while the tenant was away', async () => {
    const install = () => upsertInstalledTenant(store.db, { crm: 'hubspot', accountId: '62515', signalsSecretEnc: 's', accessTokenEnc: 'a', refreshTokenEnc: 'r', expiresAt: new Date(Date.now() + 3_600_000), scopes: [] });
    const tenant = await install();
    // Its silence timer is due in a minute.
    await owe(tenant.id, '7', { wakeAt: new Date(Date.now() + 60_000) });
    await deactivateTenant(store.db, tenant.id, 'uninstalled', 'test');
    // The timer job fires meanwhile and is skipped: the tenant is not active.
    const recompute = createRecompute({ db: store.db, models: createModelStore(store.db), afterOutbox: async () => {}, scheduleWake: async () => {}, now: () => new Date() });
    await recompute({ tenantId: tenant.id, objectType: 'contact', contactId: '7', cause: 'timer' }, createLogger('error', true));
    const later = new Date(Date.now() + 3_600_000);
    expect(await sweepOnce(store.db, fakeQueue(), later)).toBe(0);

    await install();
    const queue = fakeQueue();
    expect(await sweepOnce(store.db, queue, later)).toBe(1);
    expect(queue.added).toEqual([{ tenantId: tenant.id, objectType: 'contact', contactId: '7', cause: 'sweep' }]);
  });

  it('queues no drain for an inactive tenant\'s held writes', async () => {
    const active = await seedTenant(store, 'hubspot', '1');
    const gone = await seedTenant(store, 'hubspot', '2');
    await store.db.updateTable('tenants').set({ status: 'uninstalled' }).where('id', '=', gone).execute();
    for (const t of [active, gone]) {
      await store.db.insertInto('outbox').values({ tenant_id: t, object_type: 'contact', contact_id: '1', kind: 'create_task', payload: JSON.stringify({}), idempotency_key: 'k', status: 'pending', last_error: null, result: null, updated_at: minutesAgo(10) }).execute();
    }
    const drains: string[] = [];
    expect(await sweepOutbox(store.db, async (t) => void drains.push(t), NOW)).toBe(1);
    expect(drains).toEqual([active]);
  });
});
