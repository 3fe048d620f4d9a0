import { canonicalUri, signV3 } from '../../src/crm/hubspot/signature';
import { loadDefaultModel } from '../../src/engine';
import { signSignal } from '../../src/ingest/signals';
import type { Store } from '../../src/store/db';
import { type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { drivers, testStore } from '../helpers/store';
import { browser, type Browser } from '../install/browser';

const HUB_A = 62515;
const HUB_B = 77001;

describe.each(drivers)('tenant isolation on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  let a: { b: Browser; id: string; secret: string };
  let bTenant: { b: Browser; id: string; secret: string };

  const installAs = async (hubId: number) => {
    const b = browser(stack.url);
    await b.follow(`${stack.url}/oauth/hubspot/install`, { hubId });
    await b.csrf();
    const { id } = await store.db.selectFrom('tenants').select('id').where('account_id', '=', String(hubId)).executeTakeFirstOrThrow();
    const { secret } = (await (await b.get(`${stack.url}/api/signals-secret`)).json()) as { secret: string };
    return { b, id, secret };
  };
  const postSignal = (tenantId: string, secret: string, body: unknown) => {
    const raw = Buffer.from(JSON.stringify(body));
    const ts = String(Date.now());
    return fetch(`${stack.url}/webhooks/signals`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-kindling-tenant': tenantId, 'x-kindling-timestamp': ts, 'x-kindling-signature': signSignal(secret, ts, raw) } });
  };
  const card = (portalId: number, contactId: string) => {
    const url = `${stack.url}/api/card/hubspot?associatedObjectId=${contactId}&associatedObjectType=CONTACT&portalId=${portalId}`;
    const ts = String(Date.now());
    return fetch(url, { headers: { 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': signV3(stack.sandbox.app.clientSecret, 'GET', canonicalUri(url), Buffer.alloc(0), ts) } });
  };
  const scored = (tenantId: string, contactId: string) => async () => !!(await store.db.selectFrom('contact_state').select('result').where('tenant_id', '=', tenantId).where('contact_id', '=', contactId).executeTakeFirst())?.result;

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
    stack.sandbox.seedContacts([{ id: '101', properties: { email: 'jane@acme.io', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' } }], HUB_A);
    stack.sandbox.seedContacts([{ id: '202', properties: { email: 'bo@globex.io', jobtitle: 'CEO', numberofemployees: '900', lifecyclestage: 'lead' } }], HUB_B);
    a = await installAs(HUB_A);
    bTenant = await installAs(HUB_B);
    await postSignal(bTenant.id, bTenant.secret, { id: 'b-1', contactId: '202', kind: 'funding_round', detail: 'Globex secret round' });
    await eventually(scored(bTenant.id, '202'));
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('a signal signed with tenant A\'s secret cannot be recorded for tenant B, and A\'s own signals land only in A', async () => {
    expect((await postSignal(bTenant.id, a.secret, { id: 'x-1', contactId: '202', kind: 'job_change' })).status).toBe(401);
    expect((await postSignal(a.id, a.secret, { id: 'x-2', contactId: '202', kind: 'job_change' })).status).toBe(202);
    const events = await store.db.selectFrom('events').select(['tenant_id', 'contact_id', 'source_event_id']).orderBy('id').execute();
    expect(events).toEqual([
      { tenant_id: bTenant.id, contact_id: '202', source_event_id: 'b-1' },
      { tenant_id: a.id, contact_id: '202', source_event_id: 'x-2' },
    ]);
  });

  it('portal A\'s CRM card never shows tenant B\'s contact, score or signals', async () => {
    const fromA = await card(HUB_A, '202');
    const text = await fromA.text();
    expect(text).not.toContain('Globex secret round');
    expect(text).not.toMatch(/Score \d+/);
    const fromB = await card(HUB_B, '202');
    expect(await fromB.text()).toContain('Globex secret round');
  });

  it('tenant A\'s admin session reads and changes only tenant A, whatever ids it names', async () => {
    const status = (await (await a.b.get(`${stack.url}/api/status?tenantId=${bTenant.id}`)).json()) as { tenant: { id: string } };
    expect(status.tenant.id).toBe(a.id);
    const secret = (await (await a.b.get(`${stack.url}/api/signals-secret?tenantId=${bTenant.id}`)).json()) as { tenantId: string; secret: string };
    expect(secret).toEqual({ tenantId: a.id, secret: a.secret });

    // A dead letter of B's cannot be listed or replayed from A's session.
    const dl = await store.db.insertInto('dead_letters').values({ tenant_id: bTenant.id, origin: 'outbox', ref_id: '1', payload: JSON.stringify({}), error: 'B only', replayed_at: null }).returning('id').executeTakeFirstOrThrow();
    const listed = (await (await a.b.get(`${stack.url}/api/dead-letters`)).json()) as { deadLetters: unknown[] };
    expect(listed.deadLetters).toEqual([]);
    expect((await a.b.post(`${stack.url}/api/dead-letters/${dl.id}/replay`)).status).toBe(404);
    expect((await a.b.post(`${stack.url}/api/dead-letters/replay-all`)).status).toBe(200);
    expect((await store.db.selectFrom('dead_letters').select('replayed_at').where('id', '=', dl.id).executeTakeFirstOrThrow()).replayed_at).toBeNull();

    // Saving a model from A's session versions A's model only.
    const model = { ...loadDefaultModel(), name: 'A only' };
    expect((await a.b.post(`${stack.url}/api/model?tenantId=${bTenant.id}`, { model, tenantId: bTenant.id }, 'PUT')).status).toBe(200);
    const models = await store.db.selectFrom('models').select(['tenant_id']).execute();
    expect(models.map((m) => m.tenant_id)).toEqual([a.id]);

    // B's contact cannot be explained from A's session, by id or by email.
    expect((await a.b.get(`${stack.url}/api/contacts/explain?q=202&tenantId=${bTenant.id}`)).status).toBe(404);
    expect((await a.b.get(`${stack.url}/api/contacts/explain?q=bo@globex.io`)).status).toBe(404);
    expect((await bTenant.b.get(`${stack.url}/api/contacts/explain?q=bo@globex.io`)).status).toBe(200);

    // Routing, tracks and the alert channel saved from A's session change A's settings only.
    expect((await a.b.post(`${stack.url}/api/routing`, { routing: { rules: [], defaultOwnerId: '7001' }, tenantId: bTenant.id }, 'PUT')).status).toBe(200);
    expect((await a.b.post(`${stack.url}/api/mappings/tracks`, { tracks: { welcome: null }, tenantId: bTenant.id }, 'PUT')).status).toBe(200);
    expect((await a.b.post(`${stack.url}/api/notifications`, { webhookUrl: 'https://hooks.example.com/a', tenantId: bTenant.id }, 'PUT')).status).toBe(200);
    const settingsOf = async (id: string) => (await store.db.selectFrom('tenants').select('settings').where('id', '=', id).executeTakeFirstOrThrow()).settings as Record<string, unknown>;
    expect(Object.keys(await settingsOf(a.id))).toEqual(expect.arrayContaining(['routing', 'tracks', 'notifications']));
    expect(await settingsOf(bTenant.id)).not.toHaveProperty('routing');
    expect(await settingsOf(bTenant.id)).not.toHaveProperty('notifications');
    expect(((await (await bTenant.b.get(`${stack.url}/api/notifications`)).json()) as { configured: boolean }).configured).toBe(false);

    // A's CSRF token is bound to A's session: it does not pass with B's cookies.
    const crossed = await fetch(`${stack.url}/api/uninstall`, { method: 'POST', headers: { cookie: bTenant.b.cookies(), 'x-csrf-token': await a.b.csrf() } });
    expect(crossed.status).toBe(403);
    expect((await store.db.selectFrom('tenants').select('status').where('id', '=', bTenant.id).executeTakeFirstOrThrow()).status).toBe('active');
  });
});
