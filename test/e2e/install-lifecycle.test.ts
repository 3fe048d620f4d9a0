import { sql } from 'kysely';
import type { Store } from '../../src/store/db';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { drivers, testStore } from '../helpers/store';

describe.each(drivers)('install lifecycle on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  const change = (eventId: number, objectId = 101) => ({ eventId, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: Date.now() - 1000 * eventId, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId, propertyName: 'hs_email_last_click_date', propertyValue: String(Date.now()), changeSource: 'EMAIL', sourceId: 'email' });

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
    stack.sandbox.seedContacts([{ id: '101', properties: { email: 'jane@acme.io', jobtitle: 'VP Sales' } }]);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('an authorization code cannot be used twice', async () => {
    const start = await fetch(`${stack.url}/oauth/hubspot/install`, { redirect: 'manual' });
    const cookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = consent.headers.get('location')!;
    expect((await fetch(callback, { redirect: 'manual', headers: { cookie } })).status).toBe(302);
    expect((await fetch(callback, { redirect: 'manual', headers: { cookie } })).status).toBe(400); // its state was spent
    // A fresh sign-in (valid state) that replays the old code: HubSpot refuses the code, Kindling says so.
    const restart = await fetch(`${stack.url}/oauth/hubspot/install`, { redirect: 'manual' });
    const freshCookie = restart.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const freshState = new URL(restart.headers.get('location')!).searchParams.get('state')!;
    const replay = new URL(callback);
    replay.searchParams.set('state', freshState);
    const res = await fetch(replay, { redirect: 'manual', headers: { cookie: freshCookie } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'code_rejected' });
    expect(await store.db.selectFrom('tenants').selectAll().execute()).toHaveLength(1);
  });

  it('an expired access token is refreshed once after a 401 and the write goes through', async () => {
    await installHubSpot(stack.url);
    await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() + 3_600_000) }).execute();
    stack.sandbox.expireAccessTokens();
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change(1)]);
    await eventually(() => stack.sandbox.portal().contacts.get('101')!.properties.kindling_score !== undefined);
    expect(stack.sandbox.recorder.find({ path: '/oauth/v1/token' })).toHaveLength(2);
    expect(stack.sandbox.recorder.find({ status: 401 }).length).toBeGreaterThan(0);
  });

  it('uninstall (CSRF-checked) revokes the grant, erases tokens, drops queued property writes, holds queued tasks, and later events are ignored', async () => {
    const { cookies } = await installHubSpot(stack.url);
    const session = (await (await fetch(`${stack.url}/api/session`, { headers: { cookie: cookies } })).json()) as { csrfToken: string; crm: string };
    expect(session.crm).toBe('hubspot');
    expect((await fetch(`${stack.url}/api/uninstall`, { method: 'POST', headers: { cookie: cookies } })).status).toBe(403);
    // Work queued when the admin uninstalls: a score write and a task the writer has not sent yet.
    const tenantId = (await store.db.selectFrom('tenants').select('id').executeTakeFirstOrThrow()).id;
    const queued = (kind: 'set_properties' | 'create_task', key: string) => ({ tenant_id: tenantId, object_type: 'contact' as const, contact_id: '1', kind, payload: JSON.stringify(kind === 'create_task' ? { subject: 'Call back' } : { properties: { score: 10 } }), idempotency_key: key, status: 'pending' as const, last_error: null, result: null, updated_at: new Date() });
    await store.db.insertInto('outbox').values([queued('set_properties', 'q-props'), queued('create_task', 'q-task')]).execute();
    const res = await fetch(`${stack.url}/api/uninstall`, { method: 'POST', headers: { cookie: cookies, 'x-csrf-token': session.csrfToken } });
    expect(await res.json()).toEqual({ status: 'uninstalled' });
    const tenant = await store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    expect(tenant).toMatchObject({ status: 'uninstalled', access_token_enc: null, refresh_token_enc: null });
    expect(stack.sandbox.recorder.find({ method: 'DELETE', path: /^\/oauth\/v1\/refresh-tokens\// })).toHaveLength(1);
    // The score write is dropped (a reinstall recomputes it); the task is held for the reinstall.
    expect(await store.db.selectFrom('outbox').select('idempotency_key').where('status', 'in', ['pending', 'sending']).execute()).toEqual([{ idempotency_key: 'q-task' }]);
    const ignored = async () => Number((await (await fetch(`${stack.url}/metrics`)).text()).match(/kindling_webhook_events_total\{source="hubspot",outcome="ignored"\} (\d+)/)?.[1] ?? 0);
    const before = await ignored();
    const ack = await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change(2)]);
    expect(ack.statuses).toEqual([200]);
    expect(await ignored()).toBe(before + 1);
    const { rows } = await sql<{ n: number }>`select count(*)::int8 as n from events`.execute(store.db);
    expect(rows[0]!.n).toBe(0);
    // Reinstalling brings the same tenant back, active.
    await installHubSpot(stack.url);
    const back = await store.db.selectFrom('tenants').selectAll().execute();
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ id: tenant.id, status: 'active' });
  });
});
