import { loadDefaultModel } from '../../src/engine';
import { createModelStore } from '../../src/models/model-store';
import type { Store } from '../../src/store/db';
import { drivers, testStore } from '../helpers/store';

describe.each(drivers)('the active scoring model on %s', (driver) => {
  let store: Store;
  let tenantId: string;
  beforeEach(async () => {
    store = await testStore(driver);
    tenantId = (await store.db.insertInto('tenants').values({ crm: 'hubspot', account_id: '1', status: 'active', name: 't', status_reason: null, instance_url: null, access_token_enc: null, refresh_token_enc: null, token_expires_at: null, scopes: '[]', signals_secret_enc: null, settings: '{}', installed_by: null, updated_at: new Date() }).returning('id').executeTakeFirstOrThrow()).id;
  });
  afterEach(() => store.close());

  const save = async (version: number, threshold: number) => {
    await store.db.updateTable('models').set({ active: false }).where('tenant_id', '=', tenantId).execute();
    const model = { ...loadDefaultModel(), version, mql: { ...loadDefaultModel().mql, threshold } };
    await store.db.insertInto('models').values({ tenant_id: tenantId, version, model: JSON.stringify(model), active: true, created_by: 'admin' }).execute();
  };

  it('serves a saved or rolled-back model on the very next call, and the same object while it stays active', async () => {
    const models = createModelStore(store.db);
    expect((await models.active(tenantId)).version).toBe(0);
    await save(1, 55);
    const first = await models.active(tenantId);
    expect(first).toMatchObject({ version: 1, model: { mql: { threshold: 55 } } });
    // Unchanged: the parsed (and so compiled) model is reused, not parsed again.
    expect((await models.active(tenantId)).model).toBe(first.model);
    await save(2, 80);
    expect((await models.active(tenantId)).model.mql.threshold).toBe(80);
    // A rollback makes an older version active again.
    await store.db.updateTable('models').set({ active: false }).where('tenant_id', '=', tenantId).execute();
    await store.db.updateTable('models').set({ active: true }).where('tenant_id', '=', tenantId).where('version', '=', 1).execute();
    expect(await models.active(tenantId)).toMatchObject({ version: 1, model: { mql: { threshold: 55 } } });
  });
});
