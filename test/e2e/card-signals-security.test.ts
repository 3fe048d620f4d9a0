import { canonicalUri, signV3 } from '../../src/crm/hubspot/signature';
import { signSignal } from '../../src/ingest/signals';
import type { Store } from '../../src/store/db';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { capturingLogger } from '../helpers/logs';
import { drivers, testStore } from '../helpers/store';

describe.each(drivers)('CRM card, signals and the security boundary on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  let lines: string[];
  let tenantId: string;
  let secret: string;
  let cookies: string;

  beforeEach(async () => {
    store = await testStore(driver);
    const captured = capturingLogger();
    lines = captured.lines;
    stack = await startStack(store, { log: captured.log });
    ({ cookies } = await installHubSpot(stack.url));
    const t = await store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    tenantId = t.id;
    const res = await fetch(`${stack.url}/api/signals-secret`, { headers: { cookie: cookies } });
    secret = ((await res.json()) as { secret: string }).secret;
    stack.sandbox.seedContacts([{ id: '101', properties: { email: 'jane@acme.io', firstname: 'Jane', lastname: 'Doe', company: 'Acme', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' } }]);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  const postSignal = (body: unknown, opts: { secret?: string; ts?: number; tenant?: string } = {}) => {
    const raw = Buffer.from(JSON.stringify(body));
    const ts = String(opts.ts ?? Date.now());
    return fetch(`${stack.url}/webhooks/signals`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-kindling-tenant': opts.tenant ?? tenantId, 'x-kindling-timestamp': ts, 'x-kindling-signature': signSignal(opts.secret ?? secret, ts, raw) } });
  };
  const card = (query: string, secretOverride?: string) => {
    const url = `${stack.url}/api/card/hubspot?${query}`;
    const ts = String(Date.now());
    return fetch(url, { headers: { 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': signV3(secretOverride ?? stack.sandbox.app.clientSecret, 'GET', canonicalUri(url), Buffer.alloc(0), ts) } });
  };

  it('records a signed signal once, scores it, and shows it on the rep\'s CRM card', async () => {
    const signal = { id: 'fund-1', contactId: '101', kind: 'funding_round', strength: 1, detail: 'Acme raised a Series B' };
    const first = await postSignal(signal);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: 1, duplicate: 0, ignored: 0 });
    expect(await (await postSignal([signal])).json()).toEqual({ accepted: 0, duplicate: 1, ignored: 0 });
    await eventually(async () => !!(await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '101').executeTakeFirst())?.result);

    const res = await card('userId=7001&userEmail=rep%40acme.io&associatedObjectId=101&associatedObjectType=CONTACT&portalId=62515');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { results: Array<{ title: string; properties: Array<{ label: string; value: unknown }> }> };
    expect(body.results[0]!.title).toMatch(/^Score \d+ · fit A$/);
    expect(body.results[0]!.properties.find((p) => p.label === 'Why')!.value).toContain('company raised a round');
    expect(body.results[1]!.title).toMatch(/funding round$/);
    expect(body.results[1]!.properties[0]!.value).toBe('Acme raised a Series B');
    const line = (b: typeof body, label: string) => b.results[0]!.properties.find((p) => p.label === label)!.value;
    const state = (await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '101').executeTakeFirstOrThrow()).result as { stage: string; track: string };
    expect(line(body, 'Stage')).toBe(state.stage);
    expect(line(body, 'Nurture track')).toBe(state.track.replace('_', '-'));
    expect(line(body, 'Open Kindling task')).toBe('none');

    // The rep's open task shows until they complete it in the CRM.
    const { id } = await store.db.insertInto('outbox').values({ tenant_id: tenantId, object_type: 'contact', contact_id: '101', kind: 'create_task', payload: JSON.stringify({ subject: 'Jane Doe (Acme) — requested a demo' }), idempotency_key: 'task:card', status: 'sent', last_error: null, result: JSON.stringify({ id: 't1' }), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    const open = (await (await card('userId=7001&associatedObjectId=101&associatedObjectType=CONTACT&portalId=62515')).json()) as typeof body;
    expect(line(open, 'Open Kindling task')).toBe('Jane Doe (Acme) — requested a demo');
    await store.db.updateTable('outbox').set({ completed_at: new Date() }).where('id', '=', id).execute();
    const done = (await (await card('userId=7001&associatedObjectId=101&associatedObjectType=CONTACT&portalId=62515')).json()) as typeof body;
    expect(line(done, 'Open Kindling task')).toBe('none');
  });

  it('refuses bad signals with a reason: signature, window, tenant, shape', async () => {
    const ok = { id: 's1', contactId: '101', kind: 'intent_spike' };
    expect((await postSignal(ok, { secret: 'wrong' })).status).toBe(401);
    const stale = await postSignal(ok, { ts: Date.now() - 6 * 60_000 });
    expect(await stale.json()).toEqual({ error: 'signature_invalid', message: 'X-Kindling-Timestamp is outside the 5-minute window' });
    expect((await postSignal(ok, { tenant: '00000000-0000-4000-8000-000000000000' })).status).toBe(401);
    const bad = await postSignal({ id: 's2', contactId: '101', kind: 'astrology' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^kind: /);
    expect(await store.db.selectFrom('events').selectAll().execute()).toHaveLength(0);
  });

  it('the card needs HubSpot\'s signature and never shows another portal\'s contact', async () => {
    await postSignal({ id: 'x', contactId: '101', kind: 'job_change' });
    await eventually(async () => !!(await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '101').executeTakeFirst())?.result);
    expect((await card('associatedObjectId=101&portalId=62515', 'not-the-secret')).status).toBe(401);
    expect((await fetch(`${stack.url}/api/card/hubspot?associatedObjectId=101&portalId=62515`)).status).toBe(401);
    expect((await card('associatedObjectId=101&portalId=99999')).status).toBe(404);
  });

  it('admin API needs a session from the CRM\'s OAuth; the tenant comes from the session only', async () => {
    expect((await fetch(`${stack.url}/api/status`)).status).toBe(401);
    const mine = await fetch(`${stack.url}/api/status?tenantId=00000000-0000-4000-8000-000000000000`, { headers: { cookie: cookies } });
    expect(((await mine.json()) as { tenant: { id: string } }).tenant.id).toBe(tenantId);
    const forged = cookies.replace(/kindling_session=[^;]+/, `kindling_session=${encodeURIComponent(`s:${JSON.stringify({ tenantId: 'x', user: 'eve', csrf: 'c', exp: Date.now() + 1e6 })}.forged`)}`);
    expect((await fetch(`${stack.url}/api/status`, { headers: { cookie: forged } })).status).toBe(401);
  });

  it('no token, secret or email reaches the logs or the database in clear text', async () => {
    await postSignal({ id: 'y', contactId: '101', kind: 'job_change' });
    await eventually(async () => !!(await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '101').executeTakeFirst())?.result);
    const tenant = await store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    const issued = stack.sandbox.recorder.find({ path: '/oauth/v1/token' });
    expect(issued.length).toBeGreaterThan(0);
    const dump = JSON.stringify(await store.db.selectFrom('tenants').selectAll().execute());
    for (const value of [secret, stack.sandbox.app.clientSecret]) {
      expect(dump).not.toContain(value);
      expect(lines.join('')).not.toContain(value);
    }
    expect(dump).not.toMatch(/"(at|rt)-[A-Za-z0-9_-]{10,}/);
    expect(lines.join('')).not.toMatch(/(at|rt)-[A-Za-z0-9_-]{20,}/);
    expect(lines.join('')).not.toContain('jane@acme.io');
    expect(lines.length).toBeGreaterThan(5);
    expect(tenant.access_token_enc).toMatch(/^k1:/);
  });
});
