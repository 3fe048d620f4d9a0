import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createTokenProvider, type RefreshFn } from '../../src/auth/token-provider';
import { open, seal } from '../../src/crypto';
import { TokenRevoked } from '../../src/errors';
import { createLogger } from '../../src/log';
import { createAccountLimiter } from '../../src/queue/rate-limiter';
import type { Store } from '../../src/store/db';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

const keyring = { current: { id: 'k1', key: randomBytes(32) } };
const log = createLogger('error', true);

describe('secrets at rest', () => {
  it('seals with AES-256-GCM under a key id, opens with an older key after rotation, and detects tampering', () => {
    const sealed = seal('refresh-token-123', keyring);
    expect(sealed.startsWith('k1:')).toBe(true);
    expect(sealed).not.toContain('refresh-token-123');
    const rotated = { current: { id: 'k2', key: randomBytes(32) }, previous: [keyring.current] };
    expect(open(sealed, rotated)).toBe('refresh-token-123');
    expect(seal('x', rotated).startsWith('k2:')).toBe(true);
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => open(parts.join(':'), keyring)).toThrow();
    expect(() => open(sealed, { current: { id: 'k9', key: randomBytes(32) } })).toThrow(/unknown key "k1"/);
  });
});

describe.each(drivers)('access tokens on %s', (driver) => {
  let store: Store;
  let redis: Redis;
  let tenantId: string;
  const prefix = `kt-${randomBytes(4).toString('hex')}:`;

  beforeEach(async () => {
    store = await testStore(driver);
    redis = new Redis('redis://127.0.0.1:6379');
    tenantId = await seedTenant(store, 'hubspot', '1');
    await store.db.updateTable('tenants').set({ access_token_enc: seal('old-access', keyring), refresh_token_enc: seal('refresh-1', keyring), token_expires_at: new Date(Date.now() - 1000) }).execute();
  });
  afterEach(async () => {
    redis.disconnect();
    await store.close();
  });

  const provider = (refresh: RefreshFn) => createTokenProvider({ db: store.db, redis, keyring, refreshers: { hubspot: refresh, salesforce: undefined }, log, lockPrefix: prefix });

  it('two workers asking for an expired token at once cause exactly one refresh, and both get its token', async () => {
    let calls = 0;
    const refresh: RefreshFn = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 150));
      return { accessToken: `new-access-${calls}`, refreshToken: 'refresh-2', expiresAt: new Date(Date.now() + 1_800_000) };
    };
    const [a, b] = await Promise.all([provider(refresh).accessToken(tenantId), provider(refresh).accessToken(tenantId)]);
    expect(calls).toBe(1);
    expect([a, b]).toEqual(['new-access-1', 'new-access-1']);
    const row = await store.db.selectFrom('tenants').select(['access_token_enc', 'refresh_token_enc']).executeTakeFirstOrThrow();
    expect(open(row.refresh_token_enc!, keyring)).toBe('refresh-2');
    expect(JSON.stringify(row)).not.toContain('new-access-1');
  });

  it('refreshes after a 401 only if nobody already replaced the rejected token', async () => {
    let calls = 0;
    const refresh: RefreshFn = async () => ({ accessToken: `fresh-${++calls}`, refreshToken: 'refresh-1', expiresAt: new Date(Date.now() + 1_800_000) });
    const p = provider(refresh);
    const first = await p.accessToken(tenantId);
    expect(await p.refreshAfterUnauthorized(tenantId, 'some-older-token')).toBe(first);
    expect(await p.refreshAfterUnauthorized(tenantId, first)).toBe('fresh-2');
    expect(calls).toBe(2);
  });

  it('a revoked refresh token puts the tenant in "reconnect" with the reason, and says so', async () => {
    const p = provider(async () => {
      throw new TokenRevoked('HubSpot rejected the refresh token');
    });
    await expect(p.accessToken(tenantId)).rejects.toBeInstanceOf(TokenRevoked);
    const t = await store.db.selectFrom('tenants').select(['status', 'status_reason', 'access_token_enc']).executeTakeFirstOrThrow();
    expect(t).toEqual({ status: 'reconnect', status_reason: 'HubSpot rejected the refresh token', access_token_enc: null });
    await expect(p.accessToken(tenantId)).rejects.toThrow(/not connected/);
  });
});

describe('the per-account rate limit', () => {
  it('is one budget shared by every process', async () => {
    const prefix = `krl-${randomBytes(4).toString('hex')}`;
    const r1 = new Redis('redis://127.0.0.1:6379');
    const r2 = new Redis('redis://127.0.0.1:6379');
    try {
      const a = createAccountLimiter(r1, { perSecond: 10, prefix });
      const b = createAccountLimiter(r2, { perSecond: 10, prefix });
      // Wait for the start of a fresh second so the first ten all fit one window.
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
      for (let i = 0; i < 10; i++) await a.take('hubspot:1');
      let taken = false;
      const pending = b.take('hubspot:1').then(() => (taken = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(taken).toBe(false);
      await pending;
      expect(taken).toBe(true);
      // Another account has its own budget.
      await b.take('hubspot:2');
    } finally {
      r1.disconnect();
      r2.disconnect();
    }
  });
});
