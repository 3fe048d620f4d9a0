import type { Store } from '../../src/store/db';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { testStore } from '../helpers/store';

type Mappings = {
  crm: string;
  objects: Array<{ objectType: string; label: string; stageProperty: string; fields: Array<{ field: string; property: string }>; stages: Array<{ stage: string; value: string | null }>; stageValues: Array<{ value: string }> | null }>;
  tracks: Array<{ track: string; target: string | null }>;
  targets: Array<{ id: string; label: string; kind: string }>;
};

describe('Salesforce mapping through the same admin API', () => {
  let store: Store;
  let stack: Stack;
  let cookies: string;
  let csrf: string;
  const get = async () => (await (await fetch(`${stack.url}/api/mappings`, { headers: { cookie: cookies } })).json()) as Mappings;
  const put = (path: string, b: unknown) => fetch(`${stack.url}${path}`, { method: 'PUT', headers: { cookie: cookies, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify(b) });

  beforeEach(async () => {
    store = await testStore('pglite');
    stack = await startStack(store);
    ({ cookies } = await installHubSpot(stack.url, 'salesforce'));
    csrf = ((await (await fetch(`${stack.url}/api/session`, { headers: { cookie: cookies } })).json()) as { csrfToken: string }).csrfToken;
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('maps Leads and Contacts apart, Lead Status against the org\'s picklist and the Contact stage as free text', async () => {
    const m = await get();
    expect(m.crm).toBe('salesforce');
    const [leads, contacts] = m.objects;
    expect([leads!.objectType, contacts!.objectType]).toEqual(['lead', 'contact']);
    expect(leads!.stageProperty).toBe('Status');
    expect(leads!.stageValues!.map((v) => v.value)).toContain('Working - Contacted');
    expect(contacts!.stageValues).toBeNull();
    expect(leads!.fields).toContainEqual(expect.objectContaining({ field: 'companySize', property: 'NumberOfEmployees' }));

    const bad = await put('/api/mappings', { objectType: 'lead', profile: { companySize: 'Title' }, stages: { mql: 'Hot' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['companySize', 'stage.mql']);
    expect((await put('/api/mappings', { objectType: 'lead', stages: { mql: 'Working - Contacted' } })).status).toBe(200);
    expect((await put('/api/mappings', { objectType: 'contact', stages: { mql: 'marketing-qualified' } })).status).toBe(200);
    const after = await get();
    expect(after.objects[0]!.stages).toContainEqual({ stage: 'mql', value: 'Working - Contacted' });
    expect(after.objects[1]!.stages).toContainEqual({ stage: 'mql', value: 'marketing-qualified' });
  });

  it('shows the admin the Outbound Message endpoint to paste into the org, and posting to it is accepted', async () => {
    const status = (await (await fetch(`${stack.url}/api/status`, { headers: { cookie: cookies } })).json()) as { facts: Array<{ label: string; value: string }> };
    const endpoint = status.facts.find((f) => f.label === 'Outbound Message endpoint')!.value;
    expect(endpoint).toMatch(new RegExp(`^${stack.url}/webhooks/salesforce/[A-Za-z0-9_-]{20,}$`));
    // An empty body is a malformed envelope, answered with a SOAP fault by the right endpoint (not a 404).
    const res = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '' });
    expect(res.status).not.toBe(404);
    expect(await res.text()).toContain('Fault');
  });

  it('offers campaigns, and cadences once the org has Sales Engagement; a track goes to one of them', async () => {
    const plain = await get();
    expect(plain.targets.map((t) => t.kind)).toEqual(['campaign', 'campaign', 'campaign']);

    stack.sandbox.salesforce.org.salesEngagement = true;
    // The target list is cached per tenant for five minutes; a fresh sign-in's server would see it later, so ask a fresh stack's cache.
    await stack.restart();
    const m = await get();
    const cadence = m.targets.find((t) => t.kind === 'cadence' && t.label === 'Re-engage: dormant')!;
    const campaign = m.targets.find((t) => t.kind === 'campaign' && t.label === 'Kindling: Welcome')!;
    expect((await put('/api/mappings/tracks', { tracks: { re_engage: cadence.id, welcome: campaign.id } })).status).toBe(200);
    const t = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect(t.settings).toMatchObject({ cadences: { re_engage: { cadenceId: '77C000000000002AAA', userId: stack.sandbox.salesforce.org.userId } }, campaigns: { welcome: { campaignId: '701000000000001AAA' } } });
    // Moving the track to a campaign takes it off the cadence: one place per track.
    expect((await put('/api/mappings/tracks', { tracks: { re_engage: campaign.id } })).status).toBe(200);
    const moved = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect((moved.settings as { cadences: object }).cadences).toEqual({});
    expect((await get()).tracks).toEqual([{ track: 'welcome', target: campaign.id }, { track: 'educate', target: null }, { track: 're_engage', target: campaign.id }]);
  });
});
