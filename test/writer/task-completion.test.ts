import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/log';
import type { Store } from '../../src/store/db';
import { drainTenant } from '../../src/writer/drain';
import { withChannel } from '../../src/writer/notify';
import { pollTaskCompletions, redisClaim } from '../../src/writer/task-completion';
import { pinServer } from '../helpers/pin-server';
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

  const completedAt = async () => (await store.db.selectFrom('outbox').select(['contact_id', 'completed_at']).where('kind', '=', 'create_task').orderBy('contact_id').execute()).map((r) => [r.contact_id, r.completed_at !== null]);

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

  it('raises one alert for a task still open past its SLA, and the writer posts it to the admin\'s channel', async () => {
    const pin = await pinServer();
    try {
      const keyring = { current: { id: 'k1', key: stack.encryptionKey } };
      const settings = (await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()).settings;
      await store.db.updateTable('tenants').set({ settings: JSON.stringify(withChannel(settings, `${pin.url}/hook`, keyring)) }).execute();
      const deps = { db: store.db, connectors: stack.runtime.connectors, log, claim: async () => true };
      // Both tasks were due 2026-11-20; task 1 is done, task 2 is not.
      [...stack.sandbox.portal().tasks.values()].find((t) => t.properties.hs_task_subject === 'Task 1')!.properties.hs_task_status = 'COMPLETED';
      await pollTaskCompletions(deps, new Date('2026-11-21T09:00:00Z'));
      await pollTaskCompletions(deps, new Date('2026-11-21T10:00:00Z'));
      const alerts = await store.db.selectFrom('outbox').select(['contact_id', 'payload', 'status']).where('kind', '=', 'notify').execute();
      expect(alerts).toEqual([{ contact_id: '2', status: 'pending', payload: { text: 'Overdue: "Task 2" was due 2026-11-20 13:00 UTC and is still open.', priority: 'HIGH' } }]);
      pin.reply(200, 'ok');
      expect(await drainTenant({ db: store.db, connectors: stack.runtime.connectors, log, keyring }, tenantId)).toEqual({ sent: 1, dead: 0 });
      expect(pin.requests.map((r) => JSON.parse(r.body))).toEqual([{ text: 'Overdue: "Task 2" was due 2026-11-20 13:00 UTC and is still open.' }]);
    } finally {
      await pin.close();
    }
  });

  it('never asks about tasks of a tenant that is not active', async () => {
    await store.db.updateTable('tenants').set({ status: 'reconnect' }).execute();
    stack.sandbox.recorder.clear();
    expect(await pollTaskCompletions({ db: store.db, connectors: stack.runtime.connectors, log, claim: async () => true }, new Date())).toBe(0);
    expect(stack.sandbox.recorder.find({ path: '/crm/v3/objects/tasks/batch/read' })).toHaveLength(0);
  });
});
