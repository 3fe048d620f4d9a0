import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createTokenProvider } from '../../src/auth/token-provider';
import { loadConfig } from '../../src/config';
import { HUBSPOT_SCOPES } from '../../src/crm/hubspot/oauth';
import { createLogger } from '../../src/log';
import { loadPropertyDefinitions } from '../../src/crm/hubspot/provision';
import { TokenRevoked } from '../../src/errors';
import type { Store } from '../../src/store/db';
import { type Stack, startStack } from '../helpers/e2e';
import { drivers, testStore } from '../helpers/store';
import { browser } from './browser';

describe.each(drivers)('HubSpot marketplace install on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  const change = (eventId: number) => ({ eventId, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: Date.now() - 1000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: 101, propertyName: 'hs_email_last_click_date', propertyValue: String(Date.now()), changeSource: 'EMAIL', sourceId: 'email' });
  const tenants = () => store.db.selectFrom('tenants').selectAll().execute();

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('sends the admin to HubSpot with exactly Kindling\'s scopes, the redirect URI from PUBLIC_URL and a state bound to this browser', async () => {
    const b = browser(stack.url);
    const res = await b.get(`${stack.url}/oauth/hubspot/install`);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${stack.sandbox.url}/oauth/authorize`);
    expect(to.searchParams.get('client_id')).toBe(stack.sandbox.app.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe(`${stack.url}/oauth/hubspot/callback`);
    expect(to.searchParams.get('scope')!.split(' ').sort()).toEqual([...HUBSPOT_SCOPES].sort());
    const state = to.searchParams.get('state')!;
    expect(state).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // The state rides in a signed, HttpOnly, SameSite cookie: only this browser can finish the install.
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('kindling_oauth_state='))!;
    expect(decodeURIComponent(cookie.split(';')[0]!.split('=')[1]!)).toMatch(new RegExp(`^s:${state}\\.`));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });

  it('refuses a callback without this browser\'s state (another browser, a forged state, no cookie) and installs nothing', async () => {
    const victim = browser(stack.url);
    const start = await victim.get(`${stack.url}/oauth/hubspot/install`);
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = new URL(consent.headers.get('location')!);

    const attacker = browser(stack.url);
    await attacker.get(`${stack.url}/oauth/hubspot/install`);
    const stolen = await attacker.get(callback.toString());
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: 'state_mismatch' });

    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state');
    expect((await fetch(forged, { redirect: 'manual' })).status).toBe(400);
    expect(await tenants()).toHaveLength(0);
    // The code was never exchanged: HubSpot's token endpoint saw nothing.
    expect(stack.sandbox.recorder.find({ path: '/oauth/v1/token' })).toHaveLength(0);
  });

  it('creates the tenant with sealed tokens, provisions the property group and properties once, and a reinstall re-activates the same tenant', async () => {
    const b = browser(stack.url);
    const landing = await b.follow(`${stack.url}/oauth/hubspot/install`);
    expect(landing.status).toBe(200);
    expect(new URL(landing.url || `${stack.url}/setup/`).pathname).toBe('/setup/');
    // The admin's session: signed, out of scripts' reach, not sent on cross-site requests.
    const session = b.setCookies().find((c) => c.startsWith('kindling_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(decodeURIComponent(session.split(';')[0]!.split('=').slice(1).join('='))).toMatch(/^s:/);
    const [tenant] = await tenants();
    expect(tenant).toMatchObject({ crm: 'hubspot', account_id: String(stack.sandbox.hubId), status: 'active', installed_by: '7001' });
    expect(tenant!.scopes).toEqual(expect.arrayContaining([...HUBSPOT_SCOPES]));
    expect(tenant!.access_token_enc).toMatch(/^k1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(new Date(tenant!.token_expires_at!).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);

    const defs = loadPropertyDefinitions();
    const portal = stack.sandbox.portal();
    expect(portal.groups.get('contacts')!.has(defs.group.name)).toBe(true);
    const contactProps = portal.properties.get('contacts')!;
    for (const p of defs.properties) expect(contactProps.get(p.name)).toMatchObject({ groupName: 'kindling' });
    const creates = () => stack.sandbox.recorder.find({ method: 'POST', path: /^\/crm\/v3\/properties\/contacts(\/groups)?$/ }).length;
    expect(creates()).toBe(defs.properties.length + 1);

    // Reinstall (or a second admin signing in): same tenant, fresh tokens, nothing created twice.
    await store.db.updateTable('tenants').set({ status: 'reconnect', status_reason: 'revoked' }).execute();
    await browser(stack.url).follow(`${stack.url}/oauth/hubspot/install`);
    const after = await tenants();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: tenant!.id, status: 'active', status_reason: null, signals_secret_enc: tenant!.signals_secret_enc });
    expect(after[0]!.access_token_enc).not.toBe(tenant!.access_token_enc);
    expect(creates()).toBe(defs.properties.length + 1);
  });

  it('an expired access token is refreshed ahead of use, and the new one stored sealed', async () => {
    await browser(stack.url).follow(`${stack.url}/oauth/hubspot/install`);
    const [t] = await tenants();
    await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() + 60_000) }).execute(); // inside the 5-minute skew
    const token = await stack.runtime.tokens.accessToken(t!.id);
    const refreshes = stack.sandbox.recorder.find({ path: '/oauth/v1/token' }).filter((r) => (r.body as { grant_type?: string }).grant_type === 'refresh_token');
    expect(refreshes).toHaveLength(1);
    const [after] = await tenants();
    expect(after!.access_token_enc).not.toBe(t!.access_token_enc);
    expect(JSON.stringify(after)).not.toContain(token);
    expect(new Date(after!.token_expires_at!).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    // Fresh now: the next call uses it without asking HubSpot again.
    expect(await stack.runtime.tokens.accessToken(t!.id)).toBe(token);
    expect(stack.sandbox.recorder.find({ path: '/oauth/v1/token' })).toHaveLength(2);
  });

  it('two worker processes finding the token expired cause exactly one refresh at HubSpot, and both use its token', async () => {
    await browser(stack.url).follow(`${stack.url}/oauth/hubspot/install`);
    const [t] = await tenants();
    // A second process: its own Redis connection and token provider, built from the same config.
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: stack.url, KINDLING_DATA_DIR: mkdtempSync(join(tmpdir(), 'kindling-')), KINDLING_ENCRYPTION_KEY: stack.encryptionKey.toString('base64'), HUBSPOT_CLIENT_ID: stack.sandbox.app.clientId, HUBSPOT_CLIENT_SECRET: stack.sandbox.app.clientSecret, HUBSPOT_API_BASE: stack.sandbox.url });
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      const other = createTokenProvider({ db: store.db, redis, config, log: createLogger('error', true), lockPrefix: `${stack.prefix}:refresh:` });
      await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() - 1000) }).execute();
      const tokens = await Promise.all([stack.runtime.tokens.accessToken(t!.id), other.accessToken(t!.id), stack.runtime.tokens.accessToken(t!.id), other.accessToken(t!.id)]);
      expect(new Set(tokens).size).toBe(1);
      const refreshes = stack.sandbox.recorder.find({ path: '/oauth/v1/token' }).filter((r) => (r.body as { grant_type?: string }).grant_type === 'refresh_token');
      expect(refreshes).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  });

  it('a refresh HubSpot rejects as revoked (app removed in the portal) deactivates the tenant: tokens erased, queued writes dropped, later events ignored', async () => {
    const b = browser(stack.url);
    await b.follow(`${stack.url}/oauth/hubspot/install`);
    const [t] = await tenants();
    await store.db.insertInto('outbox').values({ tenant_id: t!.id, object_type: 'contact', contact_id: '101', kind: 'set_properties', payload: JSON.stringify({ properties: { kindling_score: '50' } }), idempotency_key: 'k-1', status: 'pending', last_error: null, result: null, updated_at: new Date() }).execute();
    await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() - 1000) }).execute();
    stack.sandbox.revokeAll();

    await expect(stack.runtime.tokens.accessToken(t!.id)).rejects.toBeInstanceOf(TokenRevoked);
    const [after] = await tenants();
    expect(after).toMatchObject({ status: 'reconnect', access_token_enc: null, refresh_token_enc: null });
    expect(after!.status_reason).toMatch(/reconnect/);
    expect(await store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);

    const ack = await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change(9)]);
    expect(ack.statuses).toEqual([200]);
    expect(await store.db.selectFrom('events').selectAll().execute()).toHaveLength(0);
    // The admin still signs in to see why, and reconnects by installing again.
    const status = (await (await b.get(`${stack.url}/api/status`)).json()) as { tenant: { status: string; status_reason: string } };
    expect(status.tenant).toMatchObject({ status: 'reconnect' });
  });

  it('after uninstall the admin\'s session cookie opens nothing, and the revoked grant cannot be refreshed', async () => {
    const b = browser(stack.url);
    await b.follow(`${stack.url}/oauth/hubspot/install`);
    const stale = b.cookies();
    await b.csrf();
    expect((await b.post(`${stack.url}/api/uninstall`)).status).toBe(200);
    expect((await fetch(`${stack.url}/api/status`, { headers: { cookie: stale } })).status).toBe(401);
    const refreshToken = stack.sandbox.recorder.find({ method: 'DELETE', path: /^\/oauth\/v1\/refresh-tokens\// })[0]!.path.split('/').pop()!;
    const res = await fetch(`${stack.sandbox.url}/oauth/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: decodeURIComponent(refreshToken), client_id: stack.sandbox.app.clientId, client_secret: stack.sandbox.app.clientSecret }) });
    expect(res.status).toBe(400);
  });
});
