import { pipelineBacklog, waitUntilIdle } from '../../src/queue/pipeline-backlog';
import type { Store } from '../../src/store/db';
import { type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { hubspotEvent } from '../helpers/hubspot';
import { drivers, testStore } from '../helpers/store';
import { sweepNow } from '../helpers/sweep';
import { type Browser, browser } from '../install/browser';

const profile = (first: string) => ({ email: `${first.toLowerCase()}@acme.io`, firstname: first, lastname: 'Doe', company: 'Acme', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' });
const demoRequest = (objectId: number) => hubspotEvent({ objectId, propertyName: 'recent_conversion_event_name', propertyValue: 'Request a demo', occurredAt: Date.now() - 60_000, changeSource: 'FORM', sourceId: 'form' });
const emailOpen = (objectId: number) => hubspotEvent({ objectId, propertyName: 'hs_email_last_open_date', propertyValue: String(Date.now()), occurredAt: Date.now() - 60_000, changeSource: 'EMAIL', sourceId: 'email' });

describe.each(drivers)('writes queued when a tenant is uninstalled, against the CRM sandbox on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  let admin: Browser;
  const install = () => admin.follow(`${stack.url}/oauth/hubspot/install`);
  const uninstall = async () => {
    await admin.csrf();
    expect(await (await admin.post(`${stack.url}/api/uninstall`)).json()).toEqual({ status: 'uninstalled' });
  };
  const send = (events: unknown[]) => stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, events);
  const outbox = () => store.db.selectFrom('outbox').selectAll().orderBy('id').execute();
  const taskRow = async () => (await outbox()).find((r) => r.kind === 'create_task');

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
    admin = browser(stack.url);
    await install();
    stack.sandbox.seedContacts([{ id: '101', properties: profile('Jane') }, { id: '102', properties: { ...profile('Bob'), jobtitle: 'Student' } }]);
    await store.db.updateTable('tenants').set({ settings: JSON.stringify({ tracks: { welcome: { sequenceId: '1001', senderUserId: '7001', senderEmail: 'rep@sandbox.example' } } }) }).execute();
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('reach the CRM after the reinstall: the properties recomputed and sent again, the task created once', async () => {
    // The writer is behind (paused): the recomputes queue their writes, none is sent before the uninstall.
    await stack.runtime.writeQueue.pause();
    await send([demoRequest(101), emailOpen(102)]);
    await eventually(async () => (await pipelineBacklog(store.db)).owed === 0 && (await outbox()).length > 0);
    await uninstall();
    // Property writes are dropped (their values come back with the reinstall's recompute); actions are held.
    const held = (await outbox()).map((r) => [r.kind, r.contact_id, r.status]);
    expect(held.sort()).toEqual([['create_task', '101', 'pending'], ['enroll', '102', 'pending'], ['notify', '101', 'pending']]);
    expect(stack.sandbox.recorder.find({ path: '/crm/v3/objects/contacts/batch/update' })).toEqual([]);
    await stack.runtime.writeQueue.resume();
    expect(await sweepNow(stack)).toEqual({ contacts: 0, tenants: 0 });

    await install();
    expect((await sweepNow(stack)).contacts).toBe(2);
    await waitUntilIdle(store.db, { timeoutMs: 20_000, quietMs: 200 });
    const portal = stack.sandbox.portal();
    expect(portal.contacts.get('101')!.properties).toMatchObject({ kindling_track: 'handoff', lifecyclestage: 'marketingqualifiedlead' });
    expect(portal.contacts.get('102')!.properties).toMatchObject({ kindling_track: 'welcome' });
    for (const s of await store.db.selectFrom('contact_state').select(['contact_id', 'result']).execute()) {
      expect(portal.contacts.get(s.contact_id)!.properties.kindling_score).toBe(String((s.result as { score: number }).score));
    }
    expect([...portal.tasks.values()].map((t) => t.associations)).toEqual([[{ toId: '101', typeId: 204 }]]);
    expect(portal.enrollments.map((e) => [e.contactId, e.sequenceId])).toEqual([['102', '1001']]);
    expect((await outbox()).every((r) => r.status === 'sent')).toBe(true);
  });

  it('a task whose send was in flight at the uninstall is looked up after the reinstall, never created twice', async () => {
    await stack.runtime.writeQueue.pause();
    await send([demoRequest(101)]);
    await eventually(async () => (await taskRow()) !== undefined);
    // Every CRM call now takes 800 ms: the writer sends the properties, then the task, and the uninstall
    // lands while the task's request is in the sandbox. HubSpot creates the task; its answer is lost.
    stack.sandbox.setFaults({ latencyMs: 800 });
    await stack.runtime.writeQueue.resume();
    await eventually(async () => (await outbox()).filter((r) => r.kind === 'set_properties').every((r) => r.status === 'sent') && (await taskRow())!.status === 'sending');
    stack.sandbox.setFaults({ dropAfterApply: 1 });
    await new Promise((r) => setTimeout(r, 150)); // the task's request reaches the sandbox (a few local queries)
    await uninstall();
    const portal = stack.sandbox.portal();
    expect([(await taskRow())!.status, portal.tasks.size]).toEqual(['sending', 0]); // still in flight
    await eventually(async () => (await taskRow())!.status === 'pending');
    expect(portal.tasks.size).toBe(1);
    expect(await taskRow()).toMatchObject({ attempts: 1, last_error: expect.any(String) });

    stack.sandbox.setFaults({ latencyMs: 0 });
    await install();
    expect((await sweepNow(stack)).tenants).toBe(1);
    await waitUntilIdle(store.db, { timeoutMs: 20_000, quietMs: 200 });
    expect(portal.tasks.size).toBe(1);
    expect(await taskRow()).toMatchObject({ status: 'sent', result: { id: [...portal.tasks.keys()][0], recoveredBy: 'lookup' } });
  });
});
