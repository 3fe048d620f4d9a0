import { loadDefaultModel } from '../../src/engine';
import { enqueueWrite } from '../../src/writer/write-queue';
import type { Store } from '../../src/store/db';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { pinServer } from '../helpers/pin-server';
import { testStore } from '../helpers/store';

describe('the admin API behind the setup screen', () => {
  let store: Store;
  let stack: Stack;
  let cookies: string;
  let csrf: string;
  const change = (eventId: number, objectId: number, propertyName: string, propertyValue: string) => ({ eventId, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: Date.now() - 60_000 + eventId, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId, propertyName, propertyValue, changeSource: 'ANALYTICS', sourceId: 'x' });
  const api = (path: string, init: { method?: string; body?: unknown; csrf?: boolean; cookie?: string } = {}) =>
    fetch(`${stack.url}${path}`, { method: init.method ?? 'GET', headers: { cookie: init.cookie ?? cookies, 'content-type': 'application/json', ...(init.csrf === false ? {} : { 'x-csrf-token': csrf }) }, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });

  beforeEach(async () => {
    store = await testStore('pglite');
    stack = await startStack(store);
    ({ cookies } = await installHubSpot(stack.url));
    csrf = ((await (await api('/api/session')).json()) as { csrfToken: string }).csrfToken;
    stack.sandbox.seedContacts([{ id: '101', properties: { email: 'jane@acme.io', firstname: 'Jane', lastname: 'Doe', company: 'Acme', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' } }]);
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change(1, 101, 'hs_analytics_last_url', 'https://x.io/pricing')]);
    await eventually(async () => !!(await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '101').executeTakeFirst())?.result);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('validates a draft model with the engine\'s schema and names the field', async () => {
    const draft = { ...loadDefaultModel(), mql: { threshold: 'high' } };
    const res = await api('/api/model/preview', { method: 'POST', body: { model: draft } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: Array<{ path: string }> };
    expect(body.issues.map((i) => i.path)).toContain('mql.threshold');
  });

  it('explains a contact found by email: its reasons, each change with its cause, what it heard and what it wrote', async () => {
    await eventually(async () => (await store.db.selectFrom('outbox').select('status').where('kind', '=', 'set_properties').executeTakeFirst())?.status === 'sent');
    const res = await api('/api/contacts/explain?q=JANE@acme.io');
    expect(res.status).toBe(200);
    const b = (await res.json()) as { contact: { id: string }; result: { score: number; reasons: Array<{ ruleId: string }> }; transitions: Array<{ from_track: string | null; to_track: string; cause: string | null }>; events: Array<{ type: string; attrs: { url?: string } }>; writes: Array<{ kind: string; status: string; payload: { properties?: { score?: number } } }> };
    expect(b.contact.id).toBe('101');
    expect(b.result.reasons.map((r) => r.ruleId)).toContain('pricing_page');
    expect(b.transitions).toEqual([expect.objectContaining({ from_track: null, cause: 'page_viewed' })]);
    expect(b.events).toEqual([expect.objectContaining({ type: 'page_viewed', attrs: expect.objectContaining({ url: 'https://x.io/pricing' }) })]);
    expect(b.writes).toContainEqual(expect.objectContaining({ kind: 'set_properties', status: 'sent', payload: expect.objectContaining({ properties: expect.objectContaining({ score: b.result.score }) }) }));
    expect((await api('/api/contacts/explain?q=101')).status).toBe(200);
    expect((await api('/api/contacts/explain?q=nobody@acme.io')).status).toBe(404);
    expect((await api('/api/contacts/explain?q=')).status).toBe(400);
    expect((await fetch(`${stack.url}/api/contacts/explain?q=101`)).status).toBe(401);
  });

  it('refuses a state-changing call without the CSRF token', async () => {
    expect((await api('/api/model', { method: 'PUT', body: { model: loadDefaultModel() }, csrf: false })).status).toBe(403);
    expect((await fetch(`${stack.url}/api/model`)).status).toBe(401);
  });

  it('previews a real contact under the current and the draft model, saves a version that takes effect on the next event, and rolls back', async () => {
    const draft = loadDefaultModel();
    draft.mql.threshold = 40;
    const preview = (await (await api('/api/model/preview', { method: 'POST', body: { model: draft, email: 'JANE@acme.io' } })).json()) as { contact: { current: { score: number; track: string }; draft: { score: number } }; threshold: { current: number; draft: number; contactsOverCurrent: number; contactsOverDraft: number } };
    expect(preview.contact.current.score).toBe(preview.contact.draft.score);
    // The preview reads a contact's history as the recompute does: under the current model, the score it has.
    const stored = await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '101').executeTakeFirstOrThrow();
    expect(preview.contact.current.score).toBe((stored.result as { score: number }).score);
    expect(preview.threshold).toEqual({ current: 70, draft: 40, contactsOverCurrent: 0, contactsOverDraft: 1, contactsScored: 1, contactsInAll: 1 });
    // A rule's points change the preview too: the contacts are scored afresh under the draft, not compared by threshold.
    const richer = loadDefaultModel();
    richer.engagement.rules = richer.engagement.rules.map((r) => (r.id === 'pricing_page' ? { ...r, points: 90 } : r));
    const rescored = (await (await api('/api/model/preview', { method: 'POST', body: { model: richer, email: 'jane@acme.io' } })).json()) as typeof preview;
    expect(rescored.contact.draft.score).toBeGreaterThan(rescored.contact.current.score);
    expect(rescored.threshold).toMatchObject({ current: 70, draft: 70, contactsOverCurrent: 0, contactsOverDraft: 1 });

    const saved = (await (await api('/api/model', { method: 'PUT', body: { model: draft } })).json()) as { version: number };
    expect(saved.version).toBe(1);
    // The next event for Jane is scored by the saved model: her score is over 40 now, so she is handed off.
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change(2, 101, 'hs_email_last_click_date', String(Date.now()))]);
    await eventually(() => stack.sandbox.portal().tasks.size === 1);
    expect(stack.sandbox.portal().contacts.get('101')!.properties.lifecyclestage).toBe('marketingqualifiedlead');
    const state = await store.db.selectFrom('contact_state').select('model_version').where('contact_id', '=', '101').executeTakeFirstOrThrow();
    expect(state.model_version).toBe(1);

    await api('/api/model', { method: 'PUT', body: { model: { ...draft, name: 'stricter', mql: { ...draft.mql, threshold: 90 } } } });
    const rolled = await api('/api/model/rollback', { method: 'POST', body: { version: 1 } });
    expect(await rolled.json()).toEqual({ version: 1 });
    expect(((await (await api('/api/model')).json()) as { version: number }).version).toBe(1);
    const versions = (await (await api('/api/model/versions')).json()) as { versions: Array<{ version: number; active: boolean }> };
    expect(versions.versions.map((v) => [v.version, v.active])).toEqual([[2, false], [1, true]]);
    const audit = await store.db.selectFrom('audit_log').select(['action', 'actor']).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['model.saved', 'model.saved', 'model.rolled_back']);
    expect(audit.every((a) => a.actor === 'admin@sandbox.example')).toBe(true);
  });

  it('lists dead letters with the CRM\'s error and replays them, with the CSRF token', async () => {
    const tenantId = (await store.db.selectFrom('tenants').select('id').executeTakeFirstOrThrow()).id;
    await store.db.insertInto('outbox').values({ tenant_id: tenantId, object_type: 'contact', contact_id: '999', kind: 'set_properties', payload: JSON.stringify({ properties: { score: 50 } }), idempotency_key: 'dl-1', status: 'pending', last_error: null, result: null, updated_at: new Date() }).execute();
    await enqueueWrite(stack.runtime.writeQueue, tenantId);
    await eventually(async () => (await (await api('/api/dead-letters')).json() as { deadLetters: unknown[] }).deadLetters.length === 1);
    const list = (await (await api('/api/dead-letters')).json()) as { deadLetters: Array<{ id: number; error: string }> };
    expect(list.deadLetters[0]!.error).toContain('Could not get some CONTACT objects');
    stack.sandbox.seedContacts([{ id: '999', properties: { email: 'late@acme.io' } }]);
    expect((await api(`/api/dead-letters/${list.deadLetters[0]!.id}/replay`, { method: 'POST', csrf: false })).status).toBe(403);
    expect(await (await api(`/api/dead-letters/${list.deadLetters[0]!.id}/replay`, { method: 'POST' })).json()).toEqual({ replayed: 1 });
    await eventually(() => stack.sandbox.portal().contacts.get('999')!.properties.kindling_score === '50');
    expect((await api('/api/dead-letters/999999/replay', { method: 'POST' })).status).toBe(404);

    // Replay all: every open letter of this tenant goes back to the outbox, and the audit says how many.
    await store.db.insertInto('outbox').values(['998', '997'].map((id) => ({ tenant_id: tenantId, object_type: 'contact', contact_id: id, kind: 'set_properties' as const, payload: JSON.stringify({ properties: { score: 40 } }), idempotency_key: `dl-${id}`, status: 'pending' as const, last_error: null, result: null, updated_at: new Date() }))).execute();
    await enqueueWrite(stack.runtime.writeQueue, tenantId);
    await eventually(async () => ((await (await api('/api/dead-letters')).json()) as { deadLetters: Array<{ replayed_at: string | null }> }).deadLetters.filter((d) => !d.replayed_at).length === 2);
    stack.sandbox.seedContacts([{ id: '998', properties: { email: 'a@acme.io' } }, { id: '997', properties: { email: 'b@acme.io' } }]);
    expect(await (await api('/api/dead-letters/replay-all', { method: 'POST' })).json()).toEqual({ replayed: 2 });
    await eventually(() => ['998', '997'].every((id) => stack.sandbox.portal().contacts.get(id)!.properties.kindling_score === '40'));
    expect((await store.db.selectFrom('audit_log').select(['action', 'detail']).orderBy('id').execute()).slice(-2)).toEqual([
      { action: 'dead_letter.replayed', detail: { id: list.deadLetters[0]!.id } },
      { action: 'dead_letter.replayed_all', detail: { count: 2 } },
    ]);
  });
});

describe('field mapping through the admin API', () => {
  let store: Store;
  let stack: Stack;
  let cookies: string;
  let csrf: string;
  beforeEach(async () => {
    store = await testStore('pglite');
    stack = await startStack(store);
    ({ cookies } = await installHubSpot(stack.url));
    csrf = ((await (await fetch(`${stack.url}/api/session`, { headers: { cookie: cookies } })).json()) as { csrfToken: string }).csrfToken;
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  const put = (path: string, b: unknown) => fetch(`${stack.url}${path}`, { method: 'PUT', headers: { cookie: cookies, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify(b) });
  type Mappings = {
    objects: Array<{ objectType: string; fields: Array<{ field: string; property: string; expects: string }>; properties: Array<{ name: string; type: string }>; stages: Array<{ stage: string; value: string | null }>; stageValues: Array<{ value: string }> | null }>;
    tracks: Array<{ track: string; target: string | null }>;
    targets: Array<{ id: string; label: string; kind: string }>;
  };
  const mappings = async () => (await (await fetch(`${stack.url}/api/mappings`, { headers: { cookie: cookies } })).json()) as Mappings;

  it('lists the portal\'s live properties, refuses incompatible or unknown ones with a reason per field, and saves a good mapping', async () => {
    const get = await fetch(`${stack.url}/api/mappings`, { headers: { cookie: cookies } });
    expect(get.status).toBe(200);
    const [contacts] = ((await get.json()) as Mappings).objects;
    expect(contacts!.objectType).toBe('contact');
    expect(contacts!.fields).toContainEqual({ kind: 'profile', field: 'companySize', property: 'numberofemployees', expects: 'number' });
    expect(contacts!.properties).toContainEqual(expect.objectContaining({ name: 'kindling_score', type: 'number' }));
    const bad = await put('/api/mappings', { profile: { companySize: 'jobtitle', industry: 'no_such_prop' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: Array<{ field: string; message: string }> }).issues).toEqual([
      { field: 'companySize', message: '"jobtitle" holds text values; companySize needs number' },
      { field: 'industry', message: 'Contacts have no field "no_such_prop"' },
    ]);
    expect((await put('/api/mappings', { profile: { jobTitle: 'company' } })).status).toBe(200);
    const tenant = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect(tenant.settings).toMatchObject({ fields: { profile: { jobTitle: 'company' } } });
    // The audit says who changed what, from what to what.
    const entry = await store.db.selectFrom('audit_log').select(['actor', 'action', 'detail']).where('action', '=', 'mapping.saved').executeTakeFirstOrThrow();
    expect(entry.actor).not.toBe('');
    expect((entry.detail as { changes: string[] }).changes).toContain('fields.profile.jobTitle: (none) → "company"');
  });

  it('writes a Kindling output to the property the admin mapped it to, never to one HubSpot computes', async () => {
    stack.sandbox.seedContacts([{ id: '201', properties: { email: 'max@acme.io', jobtitle: 'VP Sales', lifecyclestage: 'lead' } }]);
    const computed = await put('/api/mappings', { outputs: { score: 'hubspotscore' } });
    expect(computed.status).toBe(400);
    expect(((await computed.json()) as { issues: Array<{ field: string; message: string }> }).issues).toEqual([{ field: 'score', message: '"hubspotscore" is computed or locked by the CRM; Kindling cannot write score there' }]);
    // The portal's own custom score field.
    stack.sandbox.portal().properties.get('contacts')!.set('lead_rating', { name: 'lead_rating', label: 'Lead rating', type: 'number', fieldType: 'number', groupName: 'contactinformation' });
    expect((await put('/api/mappings', { outputs: { score: 'lead_rating' } })).status).toBe(200);
    expect((await mappings()).objects[0]!.fields).toContainEqual(expect.objectContaining({ kind: 'outputs', field: 'score', property: 'lead_rating' }));
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [{ eventId: 7, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: 201, propertyName: 'hs_analytics_last_url', propertyValue: 'https://x.io/pricing', changeSource: 'ANALYTICS', sourceId: 'x' }]);
    await eventually(() => stack.sandbox.portal().contacts.get('201')!.properties.lead_rating !== undefined);
    const written = stack.sandbox.portal().contacts.get('201')!.properties;
    expect(Number(written.lead_rating)).toBeGreaterThan(0);
    expect(written.kindling_score).toBeUndefined();
    expect(written.kindling_grade).toBeDefined(); // the other outputs keep their own properties
  });

  it('says so when the CRM, not Kindling, is why a screen cannot load: never a CRM status of its own', async () => {
    stack.sandbox.setFaults({ errorRate: 1 });
    const down = await fetch(`${stack.url}/api/mappings`, { headers: { cookie: cookies } });
    expect(down.status).toBe(503);
    expect(((await down.json()) as { message: string }).message).toMatch(/^The CRM did not answer \(.*502.*\); try again in a minute\.$/);
    stack.sandbox.setFaults({ errorRate: 0 });
    expect((await fetch(`${stack.url}/api/mappings`, { headers: { cookie: cookies } })).status).toBe(200);
  });

  it('maps lifecycle stages only to values the portal\'s lifecyclestage has', async () => {
    const [contacts] = (await mappings()).objects;
    expect(contacts!.stageValues!.map((v) => v.value)).toContain('marketingqualifiedlead');
    expect(contacts!.stages).toContainEqual({ stage: 'mql', value: 'marketingqualifiedlead' });
    const bad = await put('/api/mappings', { stages: { mql: 'hot' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['stage.mql']);
    expect((await put('/api/mappings', { stages: { mql: 'salesqualifiedlead' } })).status).toBe(200);
    expect((await mappings()).objects[0]!.stages).toContainEqual({ stage: 'mql', value: 'salesqualifiedlead' });
  });

  it('connects an alert channel: sealed at rest, only its host shown back, a test alert on request', async () => {
    const pin = await pinServer();
    try {
      const get = async () => (await (await fetch(`${stack.url}/api/notifications`, { headers: { cookie: cookies } })).json()) as { configured: boolean; host?: string };
      expect(await get()).toEqual({ configured: false });
      expect((await fetch(`${stack.url}/api/notifications/test`, { method: 'POST', headers: { cookie: cookies, 'x-csrf-token': csrf } })).status).toBe(409);
      expect((await put('/api/notifications', { webhookUrl: 'hooks.example.com/x' })).status).toBe(400);
      expect((await put('/api/notifications', { webhookUrl: `${pin.url}/services/T0/B0/s3cret` })).status).toBe(200);
      expect(await get()).toEqual({ configured: true, host: new URL(pin.url).host });
      expect(JSON.stringify(await store.db.selectFrom('tenants').select('settings').execute())).not.toContain('s3cret');
      pin.reply(200, 'ok');
      const test = await fetch(`${stack.url}/api/notifications/test`, { method: 'POST', headers: { cookie: cookies, 'x-csrf-token': csrf } });
      expect(await test.json()).toEqual({ sent: true });
      expect(JSON.parse(pin.requests[0]!.body).text).toMatch(/Kindling test alert/);
      expect((await put('/api/notifications', { webhookUrl: null })).status).toBe(200);
      expect(await get()).toEqual({ configured: false });
      expect((await store.db.selectFrom('audit_log').select('action').orderBy('id').execute()).map((a) => a.action)).toEqual(['notifications.connected', 'notifications.disconnected']);
    } finally {
      await pin.close();
    }
  });

  it('routes unowned contacts\' tasks only to the portal\'s own users, and audits the rule', async () => {
    const got = (await (await fetch(`${stack.url}/api/routing`, { headers: { cookie: cookies } })).json()) as { routing: unknown; owners: Array<{ id: string }>; fields: string[] };
    expect(got.routing).toEqual({ rules: [] });
    expect(got.owners.map((o) => o.id)).toEqual(['7001']);
    expect(got.fields).toContain('country');
    const bad = await put('/api/routing', { routing: { rules: [{ field: 'country', values: ['Germany'], ownerId: '9999' }, { field: 'lifecycleStage', values: ['lead'], ownerId: '7001' }] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { issues: Array<{ field: string }> }).issues.map((i) => i.field)).toEqual(['rules.0.ownerId', 'rules.1.field']);
    expect((await put('/api/routing', { routing: { rules: [{ field: 'country', values: [], ownerId: '7001' }] } })).status).toBe(400);
    const good = { rules: [{ field: 'country', values: ['Germany'], ownerId: '7001' }], defaultOwnerId: '7001' };
    expect((await put('/api/routing', { routing: good })).status).toBe(200);
    const tenant = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect(tenant.settings).toMatchObject({ routing: good });
    expect((await store.db.selectFrom('audit_log').select('action').execute()).map((a) => a.action)).toEqual(['routing.saved']);
  });

  it('maps a nurture track to one of the portal\'s sequences with its sender, unmaps it, and refuses a sequence the portal lacks', async () => {
    const m = await mappings();
    expect(m.tracks.map((t) => t.track)).toEqual(['welcome', 'educate', 're_engage']);
    const reEngage = m.targets.find((t) => t.label === 'Re-engage')!;
    expect(reEngage.kind).toBe('sequence');
    expect((await put('/api/mappings/tracks', { tracks: { re_engage: reEngage.id } })).status).toBe(200);
    const tenant = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect(tenant.settings).toMatchObject({ tracks: { re_engage: { sequenceId: '1003', senderUserId: '7001', senderEmail: 'rep@sandbox.example' } } });
    expect((await mappings()).tracks).toContainEqual({ track: 're_engage', target: reEngage.id });
    const bad = await put('/api/mappings/tracks', { tracks: { welcome: 'sequence:9999:7001' } });
    expect(bad.status).toBe(400);
    expect((await put('/api/mappings/tracks', { tracks: { handoff: reEngage.id } })).status).toBe(400);
    expect((await put('/api/mappings/tracks', { tracks: { re_engage: null } })).status).toBe(200);
    expect((await mappings()).tracks.every((t) => t.target === null)).toBe(true);
    const audit = await store.db.selectFrom('audit_log').select('action').orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual(['tracks.saved', 'tracks.saved']);
  });
});

