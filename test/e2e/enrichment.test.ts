import type { Store } from '../../src/store/db';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { testStore } from '../helpers/store';

describe('enrichment from HubSpot\'s Events API', () => {
  let store: Store;
  let stack: Stack;
  const now = Date.now();
  const lastUrl = (objectId: number, eventId: number) => ({ eventId, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: now - 60_000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId, propertyName: 'hs_analytics_last_url', propertyValue: 'https://example-saas.com/pricing', changeSource: 'ANALYTICS', sourceId: 'analytics' });
  const result = async (id: string) => (await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', id).executeTakeFirst())?.result as { reasons: Array<{ ruleId: string; count?: number }> } | undefined;

  beforeEach(async () => {
    store = await testStore('pglite');
    stack = await startStack(store);
    await installHubSpot(stack.url);
    stack.sandbox.seedContacts([{ id: '7', properties: { email: 'a@acme.io', jobtitle: 'VP Sales' } }]);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('an account without it is detected and remembered, and the property values stay the signal', async () => {
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [lastUrl(7, 1)]);
    await eventually(async () => (await result('7'))?.reasons.find((r) => r.ruleId === 'pricing_page')?.count === 1);
    const tenant = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect(tenant.settings).toMatchObject({ enrichment: { eventsApi: 'unavailable', reason: expect.stringContaining('Enterprise') } });
    const calls = stack.sandbox.recorder.find({ path: '/events/v3/events' }).length;
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [{ ...lastUrl(7, 2), occurredAt: now - 30_000, propertyValue: 'https://example-saas.com/blog/x' }]);
    await eventually(async () => (await result('7'))?.reasons.some((r) => r.ruleId === 'blog_visit') ?? false);
    expect(stack.sandbox.recorder.find({ path: '/events/v3/events' }).length).toBe(calls);
  });

  it('an Enterprise account gives every page view: three visits to pricing count three times, not once', async () => {
    const portal = stack.sandbox.portal();
    portal.enterprise = true;
    portal.events.push(
      ...[3, 2, 1].map((m, i) => ({ id: `pv${i}`, eventType: 'e_visited_page', objectId: '7', objectType: 'CONTACT' as const, occurredAt: new Date(now - m * 60_000).toISOString(), properties: { hs_url: 'https://example-saas.com/pricing', hs_title: 'Pricing' } })),
    );
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [lastUrl(7, 1)]);
    await eventually(async () => (await result('7'))?.reasons.find((r) => r.ruleId === 'pricing_page')?.count === 3);
    const events = await store.db.selectFrom('events').select(['source', 'type']).where('contact_id', '=', '7').execute();
    expect(events.filter((e) => e.source === 'hubspot-events')).toHaveLength(3);
    const tenant = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect(tenant.settings).toMatchObject({ enrichment: { eventsApi: 'available' } });
  });

  it('an Enterprise account still hands off on a demo request the Events API has not listed yet', async () => {
    stack.sandbox.portal().enterprise = true;
    const demo = { ...lastUrl(7, 1), propertyName: 'recent_conversion_event_name', propertyValue: 'Request a demo', changeSource: 'FORM', sourceId: 'form' };
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [demo]);
    await eventually(() => stack.sandbox.portal().tasks.size === 1);
    expect([...stack.sandbox.portal().tasks.values()][0]!.properties.hs_task_subject).toMatch(/requested a demo/);
  });
});
