import type { Store } from '../../src/store/db';
import type { Tenant } from '../../src/store/tables';
import { deactivateTenant, upsertInstalledTenant } from '../../src/store/tenants';
import { drivers, testStore } from '../helpers/store';
import { ACCOUNT, fakeCrm, pipeline } from './harness';

describe.each(drivers)('writes queued when a tenant is uninstalled, on %s', (driver) => {
  let store: Store;
  let tenant: Tenant;
  const install = () => upsertInstalledTenant(store.db, { crm: 'hubspot', accountId: ACCOUNT, signalsSecretEnc: 's', accessTokenEnc: 'a', refreshTokenEnc: 'r', expiresAt: new Date(Date.now() + 3_600_000), scopes: [] });
  const outbox = () => store.db.selectFrom('outbox').selectAll().orderBy('id').execute();

  beforeEach(async () => {
    store = await testStore(driver);
    tenant = await install();
  });
  afterEach(() => store.close());

  it('reach the CRM after the reinstall: the properties recomputed and sent again, the task created once', async () => {
    const crm = fakeCrm();
    const p = pipeline(store, crm.connector);
    await p.record([p.event('1', 'form_submitted', { formName: 'Request a demo' }), p.event('2', 'email_opened')]);
    await p.recompute(tenant.id, '1');
    await p.recompute(tenant.id, '2');
    await deactivateTenant(store.db, tenant.id, 'uninstalled', 'uninstalled by admin');
    // Property writes are dropped (their values come back with the reinstall's recompute); actions are held.
    expect((await outbox()).map((r) => [r.kind, r.contact_id, r.status])).toEqual([['create_task', '1', 'pending'], ['notify', '1', 'pending'], ['enroll', '2', 'pending']]);
    expect(await p.recomputeOwed()).toEqual([]);

    await install();
    expect(await p.recomputeOwed()).toEqual(['1', '2']);
    await p.drain(tenant.id);
    const sent = Object.fromEntries(crm.updates.map((u) => [u.contactId, u.properties]));
    expect(sent).toEqual({
      '1': expect.objectContaining({ score: 50, track: 'handoff', stage: 'mql' }),
      '2': expect.objectContaining({ score: 26, track: 'welcome' }),
    });
    expect(crm.tasks.map((t) => t.contactId)).toEqual(['1']);
    expect((await outbox()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('a task whose send was in flight at the uninstall is looked up after the reinstall, never created twice', async () => {
    const crm = fakeCrm();
    const p = pipeline(store, crm.connector);
    await p.record([p.event('1', 'form_submitted', { formName: 'Request a demo' })]);
    await p.recompute(tenant.id, '1');
    // A writer sent the task and the CRM created it, but the uninstall came before the writer heard back.
    const row = (await outbox()).find((r) => r.kind === 'create_task')!;
    await store.db.updateTable('outbox').set({ status: 'sending', attempts: 1 }).where('id', '=', row.id).execute();
    await crm.connector.createTasks(tenant, [{ objectType: 'contact', contactId: '1', task: row.payload as never }]);
    await deactivateTenant(store.db, tenant.id, 'uninstalled', 'uninstalled by admin');

    await install();
    await p.recomputeOwed();
    await p.drain(tenant.id);
    expect(crm.tasks).toHaveLength(1);
    const tasks = (await outbox()).filter((r) => r.kind === 'create_task');
    expect(tasks).toEqual([expect.objectContaining({ status: 'sent', result: expect.objectContaining({ id: 'task-1', recoveredBy: 'lookup' }) })]);
  });
});
