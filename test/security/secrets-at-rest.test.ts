import { sql } from 'kysely';
import { open } from '../../src/crypto';
import type { Store } from '../../src/store/db';
import { type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { capturingLogger } from '../helpers/logs';
import { drivers, testStore } from '../helpers/store';
import { browser } from '../install/browser';

/** Every row of every table in the store's schema, as JSON text: what a database dump would hold. */
async function dumpDatabase(store: Store): Promise<string> {
  const { rows: tables } = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(store.db);
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['tenants', 'events', 'outbox', 'contact_state']));
  const parts: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ j: string }>`select row_to_json(t)::text as j from ${sql.table(name)} t`.execute(store.db);
    parts.push(...rows.map((r) => r.j));
  }
  return parts.join('\n');
}

describe.each(drivers)('secrets at rest and in logs, over a full run on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  let lines: string[];

  beforeEach(async () => {
    store = await testStore(driver);
    const captured = capturingLogger();
    lines = captured.lines;
    stack = await startStack(store, { log: captured.log });
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('no access token, refresh token, signing secret or client secret is stored or logged in clear text', async () => {
    const keyring = { current: { id: 'k1', key: stack.encryptionKey } };
    const seen = new Set<string>();
    const collect = async () => {
      for (const t of await store.db.selectFrom('tenants').selectAll().execute()) {
        for (const sealed of [t.access_token_enc, t.refresh_token_enc, t.signals_secret_enc]) if (sealed) seen.add(open(sealed, keyring));
      }
    };
    stack.sandbox.seedContacts([{ id: '101', properties: { email: 'jane@acme.io', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' } }]);
    const hubspotAdmin = browser(stack.url);
    await hubspotAdmin.follow(`${stack.url}/oauth/hubspot/install`);
    await browser(stack.url).follow(`${stack.url}/oauth/salesforce/install`);
    await collect();

    // Work that uses the tokens: a webhook scored and written back, then a refresh of both CRMs' tokens.
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [{ eventId: 1, subscriptionId: 1, portalId: stack.sandbox.hubId, appId: stack.sandbox.app.appId, occurredAt: Date.now() - 1000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: 101, propertyName: 'hs_analytics_last_url', propertyValue: 'https://x.io/pricing', changeSource: 'ANALYTICS', sourceId: 'x' }]);
    await eventually(() => stack.sandbox.portal().contacts.get('101')!.properties.kindling_score !== undefined);
    await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() - 1000) }).execute();
    for (const t of await store.db.selectFrom('tenants').select('id').execute()) await stack.runtime.tokens.accessToken(t.id);
    await collect();

    expect(seen.size).toBeGreaterThanOrEqual(8); // 2 tenants × (2 access + refresh + signing secret)
    const secrets = [...seen, stack.sandbox.app.clientSecret, stack.sandbox.salesforce.app.clientSecret];
    const dump = await dumpDatabase(store);
    const logs = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    for (const s of secrets) {
      expect(dump.includes(s) ? `database holds ${s.slice(0, 6)}…` : 'clean').toBe('clean');
      expect(logs.includes(s) ? `logs hold ${s.slice(0, 6)}…` : 'clean').toBe('clean');
    }
    // The sealed values name the key that sealed them, so keys can rotate.
    expect(dump).toMatch(/"access_token_enc":"k1:/);
  });
});
