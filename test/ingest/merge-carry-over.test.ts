import { recordInbound } from '../../src/ingest/record';
import type { Store } from '../../src/store/db';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

const handoff = (id: string, at: string) => ({ id, at, reason: 'Score crossed the MQL threshold', priority: 'MEDIUM' as const });

describe.each(drivers)('a CRM merge carries Kindling\'s history to the survivor on %s', (driver) => {
  let store: Store;
  let tenantId: string;
  beforeEach(async () => {
    store = await testStore(driver);
    tenantId = await seedTenant(store, 'hubspot', '62515');
  });
  afterEach(async () => {
    await store.close();
  });

  const state = (id: string, handoffs: unknown[], extra: Record<string, unknown> = {}) =>
    store.db.insertInto('contact_state').values({ tenant_id: tenantId, object_type: 'contact', contact_id: id, profile: null, profile_fetched_at: null, result: JSON.stringify({ score: 80, state: { track: 'handoff', trackSince: '2026-11-01T00:00:00.000Z', handoffs, ...extra } }), written: JSON.stringify({}), model_version: null, next_wake_at: null, updated_at: new Date() }).execute();
  const outbox = (id: string, kind: 'create_task' | 'set_properties', key: string) =>
    store.db.insertInto('outbox').values({ tenant_id: tenantId, object_type: 'contact', contact_id: id, kind, payload: JSON.stringify({}), idempotency_key: key, status: 'pending', last_error: null, result: null, updated_at: new Date() }).execute();
  const merge = () => recordInbound(store.db, 'hubspot', [{ kind: 'merged', accountId: '62515', into: { objectType: 'contact', id: 'B' }, from: [{ objectType: 'contact', id: 'A' }] }]);
  const stateOf = async (id: string) => ((await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', id).executeTakeFirstOrThrow()).result as { state: { handoffs: Array<{ id: string }>; mqlAt?: string } }).state;

  it('gives the survivor the merged contact\'s handoffs, so the same interest is not handed off twice', async () => {
    await state('A', [handoff('score:A:1', '2026-11-10T00:00:00.000Z')], { mqlAt: '2026-11-10T00:00:00.000Z' });
    await state('B', [handoff('demo:e9', '2026-11-12T00:00:00.000Z')], { mqlAt: '2026-11-12T00:00:00.000Z' });
    await merge();
    const b = await stateOf('B');
    expect(b.handoffs.map((h) => h.id)).toEqual(['score:A:1', 'demo:e9']);
    expect(b.mqlAt).toBe('2026-11-10T00:00:00.000Z');
  });

  it('adopts the merged contact\'s state when the survivor has none yet', async () => {
    await state('A', [handoff('score:A:1', '2026-11-10T00:00:00.000Z')]);
    await merge();
    expect((await stateOf('B')).handoffs.map((h) => h.id)).toEqual(['score:A:1']);
  });

  it('moves a task not yet sent to the survivor, and drops only the merged contact\'s property writes', async () => {
    await state('A', [handoff('demo:e1', '2026-11-10T00:00:00.000Z')]);
    await outbox('A', 'create_task', 'create_task:demo:e1');
    await outbox('A', 'set_properties', 'props:A:1');
    await merge();
    const rows = await store.db.selectFrom('outbox').select(['contact_id', 'kind']).orderBy('id').execute();
    expect(rows).toEqual([{ contact_id: 'B', kind: 'create_task' }]);
  });
});
