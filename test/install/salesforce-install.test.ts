import { createHash } from 'node:crypto';
import { open } from '../../src/crypto';
import { TokenRevoked } from '../../src/errors';
import type { Store } from '../../src/store/db';
import { type Stack, startStack } from '../helpers/e2e';
import { drivers, testStore } from '../helpers/store';
import { browser } from './browser';

describe.each(drivers)('Salesforce connected-app install on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  const tenant = () => store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
  const keyring = () => ({ current: { id: 'k1', key: stack.encryptionKey } });
  const tokenCalls = (grant: string) => stack.sandbox.recorder.find({ method: 'POST', path: '/services/oauth2/token' }).filter((r) => (r.body as { grant_type?: string }).grant_type === grant);

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('runs the web-server flow with PKCE (S256) and keys the tenant by organization id, with its instance URL and sealed tokens', async () => {
    const b = browser(stack.url);
    const start = await b.get(`${stack.url}/oauth/salesforce/install`);
    const authorize = new URL(start.headers.get('location')!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${stack.sandbox.url}/services/oauth2/authorize`);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.url}/oauth/salesforce/callback`);
    expect(authorize.searchParams.get('scope')).toBe('api refresh_token');
    const landing = await b.follow(authorize.toString());
    expect(landing.status).toBe(200);

    // The verifier sent with the code hashes to the challenge the browser carried to Salesforce.
    const [exchange] = tokenCalls('authorization_code');
    const verifier = (exchange!.body as { code_verifier: string }).code_verifier;
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(authorize.searchParams.get('code_challenge'));

    const t = await tenant();
    expect(t).toMatchObject({ crm: 'salesforce', account_id: stack.sandbox.salesforce.org.orgId, instance_url: stack.sandbox.url, status: 'active' });
    expect(open(t.refresh_token_enc!, keyring())).toMatch(/^sfrt/);
    expect(t.refresh_token_enc).not.toMatch(/sfrt/);
    const session = (await (await b.get(`${stack.url}/api/session`)).json()) as { crm: string; accountId: string };
    expect(session).toMatchObject({ crm: 'salesforce', accountId: stack.sandbox.salesforce.org.orgId });

    // Fields the Metadata API created are visible to no one until field-level security grants them: a
    // permission set of Kindling's grants read and edit on each, assigned to the installing user.
    const org = stack.sandbox.salesforce.org;
    const records = (type: string) => [...org.objects.get(type)!.values()];
    const [set] = records('PermissionSet').filter((p) => p.Name === 'Kindling_Integration');
    expect(set).toBeDefined();
    expect(records('PermissionSetAssignment')).toEqual([expect.objectContaining({ PermissionSetId: set!.Id, AssigneeId: org.userId })]);
    const granted = records('FieldPermissions').filter((p) => p.ParentId === set!.Id && p.PermissionsEdit === true).map((p) => p.Field).sort();
    expect(granted).toEqual([...org.secured].sort());
    expect(granted).toContain('Lead.Kindling_Score__c');
    // A reinstall grants nothing twice.
    await browser(stack.url).follow(`${stack.url}/oauth/salesforce/install`);
    expect(records('FieldPermissions')).toHaveLength(granted.length);
    expect(records('PermissionSetAssignment')).toHaveLength(1);
  });

  it('refuses a callback whose PKCE verifier cookie or state is missing', async () => {
    const b = browser(stack.url);
    const start = await b.get(`${stack.url}/oauth/salesforce/install`);
    const consent = await fetch(start.headers.get('location')!, { redirect: 'manual' });
    const callback = consent.headers.get('location')!;
    const withoutVerifier = b.cookies().split('; ').filter((c) => !c.startsWith('kindling_pkce=')).join('; ');
    const res = await fetch(callback, { redirect: 'manual', headers: { cookie: withoutVerifier } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'state_mismatch' });
    // A state that is not the one this browser was given, with every cookie present.
    const forged = new URL(callback);
    forged.searchParams.set('state', 'x'.repeat(32));
    const wrong = await fetch(forged, { redirect: 'manual', headers: { cookie: b.cookies() } });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: 'state_mismatch' });
    expect(await store.db.selectFrom('tenants').selectAll().execute()).toHaveLength(0);
    expect(tokenCalls('authorization_code')).toHaveLength(0);
  });

  it('refuses an authorization code used once already, even carried by a fresh install\'s state', async () => {
    const b = browser(stack.url);
    const start = await b.get(`${stack.url}/oauth/salesforce/install`);
    const callback = (await fetch(start.headers.get('location')!, { redirect: 'manual' })).headers.get('location')!;
    expect((await b.get(callback)).status).toBe(302);
    const installed = await tenant();
    // Someone who saw that callback URL starts their own install and replays the code with their state.
    const other = browser(stack.url);
    const theirs = new URL((await other.get(`${stack.url}/oauth/salesforce/install`)).headers.get('location')!).searchParams.get('state')!;
    const replay = new URL(callback);
    replay.searchParams.set('state', theirs);
    const res = await other.get(replay.toString());
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(other.cookies()).not.toContain('kindling_session=');
    expect(await store.db.selectFrom('tenants').selectAll().execute()).toEqual([installed]);
  });

  it('refreshes an expired session once, then a revoked refresh token puts the org in reconnect with its tokens erased', async () => {
    await browser(stack.url).follow(`${stack.url}/oauth/salesforce/install`);
    const { id } = await tenant();
    await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() - 1000) }).execute();
    const [a, b] = await Promise.all([stack.runtime.tokens.accessToken(id), stack.runtime.tokens.accessToken(id)]);
    expect(a).toBe(b);
    expect(tokenCalls('refresh_token')).toHaveLength(1);
    expect(open((await tenant()).access_token_enc!, keyring())).toBe(a);

    stack.sandbox.salesforce.revokeAll();
    await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() - 1000) }).execute();
    await expect(stack.runtime.tokens.accessToken(id)).rejects.toBeInstanceOf(TokenRevoked);
    expect(await tenant()).toMatchObject({ status: 'reconnect', access_token_enc: null, refresh_token_enc: null });
  });

  it('uninstall revokes the refresh token at Salesforce and deactivates the org', async () => {
    const b = browser(stack.url);
    await b.follow(`${stack.url}/oauth/salesforce/install`);
    const refreshToken = open((await tenant()).refresh_token_enc!, keyring());
    await b.csrf();
    expect((await b.post(`${stack.url}/api/uninstall`)).status).toBe(200);
    const revokes = stack.sandbox.recorder.find({ method: 'POST', path: '/services/oauth2/revoke' });
    expect(revokes.map((r) => (r.body as { token: string }).token)).toEqual([refreshToken]);
    expect(await tenant()).toMatchObject({ status: 'uninstalled', access_token_enc: null, refresh_token_enc: null });
  });
});
