import { waitUntilIdle } from '../../src/queue/pipeline-backlog';
import type { Store } from '../../src/store/db';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { hubspotEvent } from '../helpers/hubspot';
import { drivers, testStore } from '../helpers/store';

const profile = (first: string) => ({ email: `${first.toLowerCase()}@acme.io`, firstname: first, lastname: 'Doe', company: 'Acme', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' });
const recent = { occurredAt: Date.now() - 60_000, changeSource: 'FORM', sourceId: 'form' };

describe.each(drivers)('a merge after a handoff, against the CRM sandbox on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  const send = (events: unknown[]) => stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, events);
  const idle = () => waitUntilIdle(store.db, { timeoutMs: 20_000, quietMs: 200 });

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
    await installHubSpot(stack.url);
    stack.sandbox.seedContacts([{ id: '101', properties: profile('Jane') }, { id: '102', properties: profile('Janet') }]);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('never gives the survivor a second task for the handoff the merged contact already had', async () => {
    await send([hubspotEvent({ ...recent, objectId: 101, propertyName: 'recent_conversion_event_name', propertyValue: 'Request a demo' })]);
    await idle();
    const portal = stack.sandbox.portal();
    expect([...portal.tasks.values()].map((t) => t.associations)).toEqual([[{ toId: '101', typeId: 204 }]]);

    // The rep merges 101 into 102 in HubSpot: 101 is gone and its task now hangs on 102. The webhook's
    // merge fields are from HubSpot's changelog "New subscription types for webhooks" (merge payload).
    portal.contacts.delete('101');
    for (const task of portal.tasks.values()) task.associations = [{ toId: '102', typeId: 204 }];
    await send([hubspotEvent({ ...recent, subscriptionType: 'contact.merge', objectId: 102, primaryObjectId: 102, mergedObjectIds: [101], newObjectId: 102, numberOfPropertiesMoved: 0, changeFlag: 'MERGED', changeSource: 'CRM_UI', propertyName: undefined, propertyValue: undefined })]);
    await idle();
    // The survivor's own next event recomputes it once more, with the demo request it now holds.
    await send([hubspotEvent({ ...recent, objectId: 102, propertyName: 'hs_email_last_open_date', propertyValue: String(Date.now()), changeSource: 'EMAIL', sourceId: 'email' })]);
    await idle();

    const taskRows = await store.db.selectFrom('outbox').select(['contact_id', 'status']).where('kind', '=', 'create_task').execute();
    expect(taskRows).toEqual([{ contact_id: '101', status: 'sent' }]);
    expect(portal.tasks.size).toBe(1);
    // The survivor is handed off all the same, for the demo request it holds now, in Kindling and in
    // HubSpot; and nothing was written to the merged-away 101.
    const survivor = await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '102').executeTakeFirstOrThrow();
    expect(survivor.result).toMatchObject({ track: 'handoff', stage: 'mql' });
    const props = portal.contacts.get('102')!.properties;
    expect(props).toMatchObject({ kindling_track: 'handoff', lifecyclestage: 'marketingqualifiedlead' });
    expect(props.kindling_reasons).toContain('+25 requested a demo');
    expect(await store.db.selectFrom('dead_letters').select('error').execute()).toEqual([]);
  });
});
