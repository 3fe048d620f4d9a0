import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/log';
import type { Store } from '../../src/store/db';
import { drainTenant } from '../../src/writer/drain';
import { pollTaskCompletions, redisClaim } from '../../src/writer/task-completion';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { testStore } from '../helpers/store';

const log = createLogger('error', true);

describe('reading task completion back from the CRM', () => {
  let store: Store;
  let stack: Stack;
  let tenantId: string;

  beforeEach(async () => {
    store = await testStore('pglite');
    stack = await startStack(store, { role: 'web' });
    await installHubSpot(stack.url);
    tenantId = (await store.db.selectFrom('tenants').select('id').executeTakeFirstOrThrow()).id;
    stack.sandbox.seedContacts([{ id: '1', properties: { email: 'a@acme.io' } }, { id: '2', properties: { email: 'b@acme.io' } }]);
    for (const id of ['1', '2']) {
      await store.db.insertInto('outbox').values({ tenant_id: tenantId, object_type: 'contact', contact_id: id, kind: 'create_task', payload: JSON.stringify({ subject: `Task ${id}`, body: 'Why now', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'Requested a demo' }), idempotency_key: `t${id}`, status: 'pending', last_error: null, result: null, updated_at: new Date() }).execute();
    }
    await drainTenant({ db: store.db, connectors: stack.runtime.connectors, log }, tenantId);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  const completedAt = async () => (await store.db.selectFrom('outbox').select(['contact_id', 'completed_at']).orderBy('contact_id').execute()).map((r) => [r.contact_id, r.completed_at !== null]);

  it('marks the tasks a rep completed, in one batch read, and asks each tenant once per interval across processes', async () => {
    const [first] = [...stack.sandbox.portal().tasks.values()].filter((t) => t.properties.hs_task_subject === 'Task 1');
    first!.properties.hs_task_status = 'COMPLETED';
    const claim = redisClaim(stack.runtime.redis, 60_000, `tc-${randomBytes(4).toString('hex')}:`);
    stack.sandbox.recorder.clear();
    const deps = { db: store.db, connectors: stack.runtime.connectors, log, claim };
    expect(await pollTaskCompletions(deps, new Date())).toBe(1);
    expect(await completedAt()).toEqual([['1', true], ['2', false]]);
    expect(stack.sandbox.recorder.find({ path: '/crm/v3/objects/tasks/batch/read' })).toHaveLength(1);

    // A second worker in the same interval does not ask again, even though task 2 is now done.
    [...stack.sandbox.portal().tasks.values()].find((t) => t.properties.hs_task_subject === 'Task 2')!.properties.hs_task_status = 'COMPLETED';
    expect(await pollTaskCompletions(deps, new Date())).toBe(0);
    expect(stack.sandbox.recorder.find({ path: '/crm/v3/objects/tasks/batch/read' })).toHaveLength(1);
    expect(await pollTaskCompletions({ ...deps, claim: async () => true }, new Date())).toBe(1);
    expect(await completedAt()).toEqual([['1', true], ['2', true]]);
  });

  it('never asks about tasks of a tenant that is not active', async () => {
    await store.db.updateTable('tenants').set({ status: 'reconnect' }).execute();
    stack.sandbox.recorder.clear();
    expect(await pollTaskCompletions({ db: store.db, connectors: stack.runtime.connectors, log, claim: async () => true }, new Date())).toBe(0);
    expect(stack.sandbox.recorder.find({ path: '/crm/v3/objects/tasks/batch/read' })).toHaveLength(0);
  });
});
