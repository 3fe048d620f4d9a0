import type { Store } from '../../src/store/db';
import { pipelineBacklog } from '../../src/queue/pipeline-backlog';
import { type Stack, installHubSpot, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { drivers, testStore } from '../helpers/store';

const NOW = Date.now();

function change(objectId: number, propertyName: string, propertyValue: string, minutesAgo: number, eventId: number) {
  return { eventId, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: NOW - minutesAgo * 60_000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId, propertyName, propertyValue, changeSource: 'FORM', sourceId: 'form' };
}

describe.each(drivers)('HubSpot loop end to end on %s', (driver) => {
  let store: Store;
  let stack: Stack;

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  async function idle() {
    await eventually(async () => {
      const b = await pipelineBacklog(store.db);
      return b.owed === 0 && b.unsent === 0;
    }, 20_000, 50);
  }

  it('installs through OAuth, scores webhooks, writes back scores, stage and exactly one task', async () => {
    const { landing, cookies } = await installHubSpot(stack.url);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain('<title>Kindling setup</title>');
    expect(cookies).toContain('kindling_session=');

    const tenant = await store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    expect(tenant).toMatchObject({ crm: 'hubspot', account_id: '62515', status: 'active' });
    const portal = stack.sandbox.portal();
    expect([...portal.properties.get('contacts')!.keys()]).toEqual(expect.arrayContaining(['kindling_score', 'kindling_grade', 'kindling_track', 'kindling_reasons']));
    // Tokens are sealed: nothing the sandbox issued appears in the database in clear text.
    const issued = [...portal.hubId ? stack.sandbox.recorder.find({ path: '/oauth/v1/token' }) : []];
    expect(issued).toHaveLength(1);
    const dump = JSON.stringify(await store.db.selectFrom('tenants').selectAll().execute());
    expect(dump).not.toMatch(/"at-|"rt-/);

    stack.sandbox.seedContacts([
      { id: '101', properties: { email: 'jane@acme.io', firstname: 'Jane', lastname: 'Doe', company: 'Acme', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead', hubspot_owner_id: '7001' } },
      { id: '102', properties: { email: 'bob@gmail.com', firstname: 'Bob', jobtitle: 'Student', lifecyclestage: 'subscriber' } },
    ]);
    // The admin mapped the welcome track to a sequence, sent by the rep who installed Kindling.
    await store.db.updateTable('tenants').set({ settings: JSON.stringify({ tracks: { welcome: { sequenceId: '1001', senderUserId: '7001', senderEmail: 'rep@sandbox.example' } } }) }).execute();
    const batch = [
      change(101, 'hs_analytics_last_url', 'https://example-saas.com/pricing', 30, 1),
      change(101, 'recent_conversion_event_name', 'Request a demo', 2, 2),
      change(102, 'hs_email_last_open_date', String(NOW - 60_000), 1, 3),
    ];
    const sent = await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, batch);
    expect(sent.statuses).toEqual([200]);
    await idle();

    const jane = portal.contacts.get('101')!.properties;
    expect(jane).toMatchObject({ kindling_grade: 'A', kindling_track: 'handoff', lifecyclestage: 'marketingqualifiedlead' });
    expect(Number(jane.kindling_score)).toBeGreaterThanOrEqual(60);
    expect(jane.kindling_reasons).toContain('+25 requested a demo');
    const bob = portal.contacts.get('102')!.properties;
    expect(bob).toMatchObject({ kindling_grade: 'D', lifecyclestage: 'lead' });

    const tasks = [...portal.tasks.values()];
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.properties).toMatchObject({ hs_task_priority: 'HIGH', hubspot_owner_id: '7001' });
    expect(tasks[0]!.properties.hs_task_subject).toMatch(/^Jane Doe \(Acme\) — requested a demo, score \d+$/);
    expect(tasks[0]!.associations).toEqual([{ toId: '101', typeId: 204 }]);
    // Bob, new and engaged, entered the welcome track and its sequence; Jane was handed off, not nurtured.
    expect(bob.kindling_track).toBe('welcome');
    expect(portal.enrollments.map((e) => [e.contactId, e.sequenceId, e.userId, e.senderEmail])).toEqual([['102', '1001', '7001', 'rep@sandbox.example']]);

    // HubSpot redelivers the same batch, and Kindling's own writes echo back: nothing more happens.
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, batch);
    expect(await stack.sandbox.flushEchoes()).toBeGreaterThan(0);
    await idle();
    expect(portal.tasks.size).toBe(1);
    expect(portal.enrollments).toHaveLength(1);
    const events = await store.db.selectFrom('events').select('type').execute();
    expect(events).toHaveLength(3);
    // Contacts batch update, not one call per property or per event.
    const updates = stack.sandbox.recorder.find({ path: '/crm/v3/objects/contacts/batch/update' });
    expect(updates.length).toBeLessThanOrEqual(2);
  });

  it('refuses a callback whose state was not issued to this browser', async () => {
    const res = await fetch(`${stack.url}/oauth/hubspot/callback?code=x&state=forged`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'state_mismatch' });
    expect(await store.db.selectFrom('tenants').selectAll().execute()).toHaveLength(0);
  });
});
