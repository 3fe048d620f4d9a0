import type { Store } from '../../src/store/db';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';
import { ACCOUNT, fakeCrm, pipeline } from './harness';

describe.each(drivers)('a merge after a handoff, on %s', (driver) => {
  let store: Store;
  let tenantId: string;

  beforeEach(async () => {
    store = await testStore(driver);
    tenantId = await seedTenant(store, 'hubspot', ACCOUNT);
  });
  afterEach(() => store.close());

  it('never gives the survivor a second task for the handoff the merged contact already had', async () => {
    const crm = fakeCrm();
    const p = pipeline(store, crm.connector);
    await p.record([p.event('1', 'form_submitted', { formName: 'Request a demo' })]);
    await p.recompute(tenantId, '1');
    await p.drain(tenantId);
    expect(crm.tasks).toHaveLength(1);

    // The rep merges contact 1 into contact 2: its events, demo request included, move to 2.
    await p.record([{ kind: 'merged', into: { objectType: 'contact', id: '2' }, from: [{ objectType: 'contact', id: '1' }] }]);
    expect(await p.recomputeOwed()).toEqual(['2']);
    await p.drain(tenantId);

    const tasks = await store.db.selectFrom('outbox').selectAll().where('kind', '=', 'create_task').execute();
    expect(tasks).toHaveLength(1);
    expect(crm.tasks).toHaveLength(1);
    // The survivor is handed off all the same: it holds the demo request now.
    const survivor = await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '2').executeTakeFirstOrThrow();
    expect(survivor.result).toMatchObject({ track: 'handoff', stage: 'mql' });
  });
});
