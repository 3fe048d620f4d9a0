import { randomBytes } from 'node:crypto';
import { open, seal } from '../../src/crypto';
import type { Store } from '../../src/store/db';
import { resealTenantSecrets } from '../../src/store/tenants';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

describe.each(drivers)('encryption key rotation on %s', (driver) => {
  let store: Store;
  beforeEach(async () => {
    store = await testStore(driver);
  });
  afterEach(async () => {
    await store.close();
  });

  it('re-seals every tenant secret under the new key, after which the old key can be retired', async () => {
    const k1 = { id: 'k1', key: randomBytes(32) };
    const k2 = { id: 'k2', key: randomBytes(32) };
    for (const account of ['1', '2']) {
      const id = await seedTenant(store, 'hubspot', account);
      await store.db.updateTable('tenants').set({ access_token_enc: seal(`at-${account}`, { current: k1 }), refresh_token_enc: seal(`rt-${account}`, { current: k1 }), signals_secret_enc: seal(`ss-${account}`, { current: k1 }), settings: JSON.stringify({ routing: { rules: [] }, notifications: { webhookUrlEnc: seal(`https://hooks.example/${account}`, { current: k1 }) } }) }).where('id', '=', id).execute();
    }
    const rotating = { current: k2, previous: [k1] };
    expect(await resealTenantSecrets(store.db, rotating)).toBe(2);
    expect(await resealTenantSecrets(store.db, rotating)).toBe(0);
    const rows = await store.db.selectFrom('tenants').select(['account_id', 'access_token_enc', 'refresh_token_enc', 'signals_secret_enc']).orderBy('account_id').execute();
    for (const r of rows) {
      const retired = { current: k2 };
      expect([open(r.access_token_enc!, retired), open(r.refresh_token_enc!, retired), open(r.signals_secret_enc!, retired)]).toEqual([`at-${r.account_id}`, `rt-${r.account_id}`, `ss-${r.account_id}`]);
      expect(() => open(r.access_token_enc!, { current: k1 })).toThrow(/unknown key "k2"/);
    }
    // The alert channel's URL, sealed inside the settings, is re-sealed too; the rest of the settings is kept.
    for (const t of await store.db.selectFrom('tenants').select(['account_id', 'settings']).execute()) {
      const settings = t.settings as { routing: unknown; notifications: { webhookUrlEnc: string } };
      expect(open(settings.notifications.webhookUrlEnc, { current: k2 })).toBe(`https://hooks.example/${t.account_id}`);
      expect(settings.routing).toEqual({ rules: [] });
    }
  });
});
