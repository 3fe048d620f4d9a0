import { sql } from 'kysely';
import { migrate } from '../src/store/db';
import { drivers, testStore } from './helpers/store';

describe.each(drivers)('store on %s', (driver) => {
  it('migrates and enforces one ledger row per source event', async () => {
    const store = await testStore(driver);
    try {
      const tenant = await store.db
        .insertInto('tenants')
        .values({ crm: 'hubspot', account_id: '123', status: 'active', name: null, status_reason: null, instance_url: null, access_token_enc: null, refresh_token_enc: null, token_expires_at: null, scopes: JSON.stringify([]), signals_secret_enc: null, settings: JSON.stringify({}), installed_by: null, updated_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      const row = { tenant_id: tenant.id, object_type: 'contact' as const, contact_id: '1', type: 'page_viewed', occurred_at: new Date(), source: 'hubspot', source_event_id: 'e1', attrs: JSON.stringify({ url: 'x' }) };
      const first = await store.db.insertInto('events').values(row).onConflict((c) => c.doNothing()).executeTakeFirst();
      const second = await store.db.insertInto('events').values(row).onConflict((c) => c.doNothing()).executeTakeFirst();
      expect(first.numInsertedOrUpdatedRows).toBe(1n);
      expect(second.numInsertedOrUpdatedRows).toBe(0n);
      const events = await store.db.selectFrom('events').selectAll().execute();
      expect(events).toHaveLength(1);
      expect(typeof events[0]!.id).toBe('number');
      expect(events[0]!.attrs).toEqual({ url: 'x' });
      const { rows } = await sql<{ n: number }>`select count(*)::int8 as n from events`.execute(store.db);
      expect(rows[0]!.n).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('migrates once: a second run finds every migration applied, and another schema being dropped meanwhile does not disturb it', async () => {
    const store = await testStore(driver);
    const other = driver === 'postgres' ? await testStore('postgres') : undefined;
    try {
      // Another test's schema goes away while this one checks its migrations (what parallel test files do).
      const [again] = await Promise.all([migrate(store), other?.close()]);
      expect(again.results).toEqual([]);
      const tables = (await store.db.introspection.getTables()).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(['tenants', 'events', 'outbox', 'transitions', 'erased_contacts']));
      expect(tables).not.toContain('pg_class');
    } finally {
      await store.close();
    }
  });
});
