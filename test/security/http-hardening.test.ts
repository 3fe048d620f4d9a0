import type { Store } from '../../src/store/db';
import { type Stack, startStack } from '../helpers/e2e';
import { testStore } from '../helpers/store';
import { browser, type Browser } from '../install/browser';

describe('the HTTP boundary: headers, body limits, errors without internals, shared rate limits', () => {
  let store: Store;
  let stack: Stack;
  let admin: Browser;

  beforeAll(async () => {
    store = await testStore('pglite');
    stack = await startStack(store, { role: 'web' });
    admin = browser(stack.url);
    await admin.follow(`${stack.url}/oauth/hubspot/install`);
    await admin.csrf();
  });
  afterAll(async () => {
    await stack.close();
    await store.close();
  });

  it('sends helmet\'s security headers and no framework banner', async () => {
    const res = await fetch(`${stack.url}/oauth/hubspot/install`, { redirect: 'manual' });
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('refuses oversized bodies on every route that reads one, before any work', async () => {
    const big = (kb: number) => 'a'.repeat(kb * 1024);
    const post = (path: string, body: string, extra: Record<string, string> = {}) => fetch(`${stack.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...extra } });
    expect((await post('/webhooks/hubspot', big(1100))).status).toBe(413);
    expect((await post('/webhooks/signals', big(300))).status).toBe(413);
    expect((await post('/webhooks/salesforce/anything', big(1100), { 'content-type': 'text/xml' })).status).toBe(413);
    const model = await admin.post(`${stack.url}/api/model`, { model: 'x'.repeat(300 * 1024) }, 'PUT');
    expect(model.status).toBe(413);
  });

  it('answers malformed input and unknown routes with a reason, never a stack trace', async () => {
    const res = await fetch(`${stack.url}/api/model/preview`, { method: 'POST', body: '{"model": ', headers: { cookie: admin.cookies(), 'content-type': 'application/json', 'x-csrf-token': await admin.csrf() } });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(text).not.toContain('node_modules');
    const missing = await fetch(`${stack.url}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'no such route' });
  });

  it('limits the public interactive routes per client, counted in Redis', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 305; i++) statuses.push((await fetch(`${stack.url}/api/session`)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    const limited = await fetch(`${stack.url}/oauth/hubspot/install`, { redirect: 'manual' });
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'rate_limited', message: 'too many requests; slow down' });
    const keys = await stack.runtime.redis.keys(`${stack.prefix}:prl:interactive:*`);
    expect(keys.length).toBe(1);
  });
});
