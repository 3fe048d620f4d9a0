import { sql } from 'kysely';
import { createLogger } from '../../src/log';
import type { Store } from '../../src/store/db';
import type { OutboxKind } from '../../src/store/tables';
import { replayDeadLetter } from '../../src/writer/dead-letters';
import { drainTenant, type WriterDeps } from '../../src/writer/drain';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { drivers, testStore } from '../helpers/store';

const log = createLogger('error', true);

describe.each(drivers)('the writer against the CRM sandbox on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  let tenantId: string;
  let deps: WriterDeps;

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store, { role: 'web', sandbox: { hubspot: { burstIntervalMs: 1000 } } });
    await installHubSpot(stack.url);
    tenantId = (await store.db.selectFrom('tenants').select('id').executeTakeFirstOrThrow()).id;
    stack.sandbox.seedContacts([
      { id: '1', properties: { email: 'a@acme.io', lifecyclestage: 'lead' } },
      { id: '2', properties: { email: 'b@acme.io', lifecyclestage: 'lead' } },
    ]);
    deps = { db: store.db, connectors: stack.runtime.connectors, log };
    stack.sandbox.recorder.clear();
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  let seq = 0;
  const row = (contactId: string, kind: OutboxKind, payload: Record<string, unknown>) =>
    store.db.insertInto('outbox').values({ tenant_id: tenantId, object_type: 'contact', contact_id: contactId, kind, payload: JSON.stringify(payload), idempotency_key: `k${++seq}`, status: 'pending', last_error: null, result: null, updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
  const statuses = async () => (await store.db.selectFrom('outbox').select(['id', 'status', 'attempts']).orderBy('id').execute()).map((r) => r.status);
  const task = (contactId: string) => row(contactId, 'create_task', { subject: `Task for ${contactId}`, body: 'Why now', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'Requested a demo' });

  it('coalesces a contact\'s rows into one input, latest value winning', async () => {
    await row('1', 'set_properties', { properties: { score: 10, track: 'welcome' } });
    await row('1', 'set_properties', { properties: { score: 20 } });
    await row('1', 'set_properties', { properties: { score: 30, grade: 'B' } });
    await row('2', 'set_properties', { properties: { score: 5 } });
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 4, dead: 0 });
    const calls = stack.sandbox.recorder.find({ path: '/crm/v3/objects/contacts/batch/update' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toEqual({ inputs: [{ id: '1', properties: { kindling_score: '30', kindling_track: 'welcome', kindling_grade: 'B' } }, { id: '2', properties: { kindling_score: '5' } }] });
    expect(stack.sandbox.portal().contacts.get('1')!.properties.kindling_score).toBe('30');
  });

  it('waits out a 429 without counting it as a failure, then succeeds', async () => {
    await row('1', 'set_properties', { properties: { score: 10 } });
    stack.sandbox.setFaults({ force429: 1 });
    const first = await drainTenant(deps, tenantId);
    expect(first.retryAfterMs).toBe(1000);
    expect(await store.db.selectFrom('outbox').select(['status', 'attempts']).executeTakeFirstOrThrow()).toEqual({ status: 'pending', attempts: 0 });
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 1, dead: 0 });
  });

  it('retries a 5xx with backoff, then succeeds', async () => {
    await row('1', 'set_properties', { properties: { score: 10 } });
    stack.sandbox.setFaults({ errorRate: 1 });
    const first = await drainTenant(deps, tenantId);
    expect(first.retryAfterMs).toBeGreaterThanOrEqual(500);
    expect(await store.db.selectFrom('outbox').select(['status', 'attempts', 'last_error']).executeTakeFirstOrThrow()).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringContaining('502') });
    stack.sandbox.setFaults({ errorRate: 0 });
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 1, dead: 0 });
  });

  it('dead-letters a row that keeps failing transiently once its attempts run out, never retrying it forever', async () => {
    await row('1', 'set_properties', { properties: { score: 10 } });
    stack.sandbox.setFaults({ errorRate: 1 });
    const limited = { ...deps, maxAttempts: 3 };
    expect((await drainTenant(limited, tenantId)).retryAfterMs).toBeGreaterThan(0);
    expect((await drainTenant(limited, tenantId)).retryAfterMs).toBeGreaterThan(0);
    expect(await drainTenant(limited, tenantId)).toEqual({ sent: 0, dead: 1 });
    expect(await statuses()).toEqual(['dead']);
    const dl = await store.db.selectFrom('dead_letters').selectAll().executeTakeFirstOrThrow();
    expect(dl.error).toContain('502');
    // Nothing left to send: a further drain makes no call.
    stack.sandbox.recorder.clear();
    expect(await drainTenant(limited, tenantId)).toEqual({ sent: 0, dead: 0 });
    expect(stack.sandbox.recorder.requests.filter((r) => r.path.startsWith('/crm/'))).toEqual([]);
  });

  it('dead-letters a permanent refusal with the CRM\'s message, and replays it once fixed', async () => {
    await row('404', 'set_properties', { properties: { score: 10 } });
    await row('1', 'set_properties', { properties: { score: 11 } });
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 1, dead: 1 });
    const dl = await store.db.selectFrom('dead_letters').selectAll().executeTakeFirstOrThrow();
    expect(dl.error).toContain('Could not get some CONTACT objects');
    expect(dl.payload).toMatchObject({ contactId: '404', kind: 'set_properties' });
    stack.sandbox.seedContacts([{ id: '404', properties: { email: 'late@acme.io' } }]);
    // Another tenant cannot replay it.
    expect(await replayDeadLetter(store.db, '00000000-0000-4000-8000-000000000000', dl.id)).toBe(false);
    expect(await replayDeadLetter(store.db, tenantId, dl.id)).toBe(true);
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 1, dead: 0 });
    expect(stack.sandbox.portal().contacts.get('404')!.properties.kindling_score).toBe('10');
  });

  it('isolates the one input that makes HubSpot refuse a whole batch, sending the rest', async () => {
    // An admin deleted a property Kindling writes: HubSpot answers the whole batch with one 400.
    stack.sandbox.portal().properties.get('contacts')!.delete('kindling_grade');
    stack.sandbox.seedContacts([3, 4, 5, 6].map((n) => ({ id: String(n), properties: { email: `c${n}@acme.io` } })));
    for (const id of ['1', '2', '4', '5', '6']) await row(id, 'set_properties', { properties: { score: 40 + Number(id) } });
    await row('3', 'set_properties', { properties: { score: 43, grade: 'B' } });
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 5, dead: 1 });
    for (const id of ['1', '2', '4', '5', '6']) expect(stack.sandbox.portal().contacts.get(id)!.properties.kindling_score).toBe(String(40 + Number(id)));
    const dl = await store.db.selectFrom('dead_letters').selectAll().executeTakeFirstOrThrow();
    expect(dl.payload).toMatchObject({ contactId: '3' });
    expect(dl.error).toContain('Property "kindling_grade" does not exist');
    // Halving costs a few calls, not one per row: 1 refused batch, then at most 2·log2(6) more.
    expect(stack.sandbox.recorder.find({ path: '/crm/v3/objects/contacts/batch/update' }).length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(6)));
  });

  it('gives the task of a contact nobody owns to the owner the tenant\'s routing names', async () => {
    await store.db.insertInto('contact_state').values({ tenant_id: tenantId, object_type: 'contact', contact_id: '2', profile: JSON.stringify({ email: 'b@acme.de', country: 'Germany', attributes: {} }), profile_fetched_at: new Date(), result: null, written: JSON.stringify({}), model_version: null, next_wake_at: null, updated_at: new Date() }).execute();
    await store.db.updateTable('tenants').set({ settings: JSON.stringify({ routing: { rules: [{ field: 'country', values: ['germany'], ownerId: '7001' }] } }) }).execute();
    await task('2');
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 1, dead: 0 });
    expect([...stack.sandbox.portal().tasks.values()][0]!.properties.hubspot_owner_id).toBe('7001');
  });

  it('sends a rep\'s task ahead of a backlog of score updates written before it', async () => {
    for (let i = 0; i < 30; i++) await row(String((i % 2) + 1), 'set_properties', { properties: { score: i } });
    await task('1');
    expect(await drainTenant({ ...deps, claimSize: 10 }, tenantId)).toEqual({ sent: 31, dead: 0 });
    const paths = stack.sandbox.recorder.requests.map((r) => r.path).filter((p) => p.startsWith('/crm/v3/objects/'));
    const updates = paths.flatMap((p, i) => (p === '/crm/v3/objects/contacts/batch/update' ? [i] : []));
    expect(updates).toHaveLength(4);
    // In the first claim: after that claim's one property batch, before the backlog's other three.
    const created = paths.findIndex((p) => p.startsWith('/crm/v3/objects/tasks'));
    expect(created).toBeGreaterThan(updates[0]!);
    expect(created).toBeLessThan(updates[1]!);
    expect(stack.sandbox.portal().contacts.get('2')!.properties.kindling_score).toBe('29');
  });

  it('does not send a task held longer than two weeks (the CRM was disconnected): a dead letter says why, and a replay sends it', async () => {
    const { id } = await task('1');
    await sql`update outbox set created_at = now() - interval '20 days' where id = ${id}`.execute(store.db);
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 0, dead: 1 });
    expect(stack.sandbox.portal().tasks.size).toBe(0);
    const dl = await store.db.selectFrom('dead_letters').selectAll().executeTakeFirstOrThrow();
    expect(dl.error).toMatch(/queued \d{4}-\d{2}-\d{2} \(20 days ago\) .* Replay to send it now\./);
    expect(await replayDeadLetter(store.db, tenantId, dl.id)).toBe(true);
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 1, dead: 0 });
    expect(stack.sandbox.portal().tasks.size).toBe(1);
  });

  it('after an ambiguous failure (applied, answer lost) looks the task up instead of creating a second one', async () => {
    await task('1');
    stack.sandbox.setFaults({ dropAfterApply: 1 });
    const first = await drainTenant(deps, tenantId);
    expect(first.sent).toBe(0);
    expect(stack.sandbox.portal().tasks.size).toBe(1);
    expect(await drainTenant(deps, tenantId)).toEqual({ sent: 1, dead: 0 });
    expect(stack.sandbox.portal().tasks.size).toBe(1);
    const sent = await store.db.selectFrom('outbox').select(['status', 'result']).executeTakeFirstOrThrow();
    expect(sent).toEqual({ status: 'sent', result: { id: [...stack.sandbox.portal().tasks.keys()][0], recoveredBy: 'lookup' } });
  });

  it('two writers draining one tenant at once send every row once', async () => {
    for (let i = 0; i < 30; i++) await task(i % 2 ? '1' : '2');
    const [a, b] = await Promise.all([drainTenant({ ...deps, claimSize: 7 }, tenantId), drainTenant({ ...deps, claimSize: 7 }, tenantId)]);
    expect(a.sent + b.sent).toBe(30);
    expect(stack.sandbox.portal().tasks.size).toBe(30);
    expect(await statuses()).toEqual(Array(30).fill('sent'));
  });
});
