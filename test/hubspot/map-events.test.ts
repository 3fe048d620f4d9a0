import { loadHubSpotEventMapping, mapHubSpotEvents } from '../../src/crm/hubspot/map-events';
import { hubspotWebhookBatchSchema } from '../../src/crm/hubspot/webhook-schema';
import { formatZodError } from '../../src/validation';
import { APP_ID, hubspotEvent } from '../helpers/hubspot';

const mapping = loadHubSpotEventMapping();
const map = (over: Record<string, unknown>) =>
  mapHubSpotEvents(hubspotWebhookBatchSchema.parse([hubspotEvent(over)]), { mapping, appId: APP_ID, ownPropertyPrefix: 'kindling_' })[0]!;

describe('HubSpot events map to canonical events', () => {
  it.each([
    ['recent_conversion_event_name', 'Request a demo', 'form_submitted', { formName: 'Request a demo' }],
    ['num_conversion_events', '3', 'form_submitted', {}],
    ['recent_conversion_date', '1763900000000', 'form_submitted', {}],
    ['first_conversion_event_name', 'Newsletter', 'form_submitted', { formName: 'Newsletter' }],
    ['hs_analytics_last_url', 'https://example.com/pricing', 'page_viewed', { url: 'https://example.com/pricing' }],
    ['hs_analytics_num_page_views', '12', 'page_viewed', {}],
    ['hs_analytics_last_visit_timestamp', '1763900000000', 'page_viewed', {}],
    ['hs_email_last_open_date', '1763900000000', 'email_opened', {}],
    ['hs_email_last_click_date', '1763900000000', 'email_clicked', {}],
    ['hs_email_last_reply_date', '1763900000000', 'email_replied', {}],
    ['hs_sales_email_last_replied', '1763900000000', 'email_replied', {}],
    ['hs_email_optout', 'true', 'unsubscribed', {}],
    ['hs_email_hard_bounce_reason_enum', 'MAILBOX_FULL', 'email_bounced', {}],
    ['engagements_last_meeting_booked', '1763900000000', 'meeting_booked', {}],
    ['lifecyclestage', 'customer', 'became_customer', {}],
    ['lifecyclestage', 'opportunity', 'opportunity_opened', {}],
  ])('%s = %s becomes %s', (propertyName, propertyValue, type, attrs) => {
    const item = map({ propertyName, propertyValue });
    expect(item).toMatchObject({ kind: 'event', accountId: '62515', contact: { objectType: 'contact', id: '101' }, event: { type, source: 'hubspot', attrs } });
  });

  it('keys the properties of one page view to one ledger event', () => {
    const a = map({ propertyName: 'hs_analytics_last_url', eventId: 1 });
    const b = map({ propertyName: 'hs_analytics_num_page_views', propertyValue: '4', eventId: 2 });
    expect(a.kind === 'event' && b.kind === 'event' && a.event.sourceEventId === b.event.sourceEventId).toBe(true);
  });

  it('turns a contact creation into an event and deletions, privacy deletions and merges into controls', () => {
    expect(map({ subscriptionType: 'contact.creation' })).toMatchObject({ kind: 'event', event: { type: 'contact_created' } });
    expect(map({ subscriptionType: 'contact.deletion' })).toEqual({ kind: 'deleted', accountId: '62515', contact: { objectType: 'contact', id: '101' }, privacy: false });
    expect(map({ subscriptionType: 'contact.privacyDeletion' })).toMatchObject({ kind: 'deleted', privacy: true });
    expect(map({ subscriptionType: 'contact.merge', primaryObjectId: 101, mergedObjectIds: [102, 101, 103] })).toEqual({
      kind: 'merged', accountId: '62515', into: { objectType: 'contact', id: '101' }, from: [{ objectType: 'contact', id: '102' }, { objectType: 'contact', id: '103' }],
    });
  });

  it('ignores the echo of its own writes: own properties, and changes whose source is its app', () => {
    expect(map({ propertyName: 'kindling_score', propertyValue: '80' })).toMatchObject({ kind: 'ignored', reason: 'echo' });
    expect(map({ propertyName: 'lifecyclestage', propertyValue: 'marketingqualifiedlead', changeSource: 'INTEGRATION', sourceId: APP_ID })).toMatchObject({ kind: 'ignored', reason: 'echo' });
    expect(map({ propertyName: 'lifecyclestage', propertyValue: 'customer', changeSource: 'CRM_UI', sourceId: 'userId:7' })).toMatchObject({ kind: 'event' });
  });

  it('marks the profile stale on fit-property changes, and filters values that are not the signal', () => {
    expect(map({ propertyName: 'jobtitle', propertyValue: 'VP Sales' })).toMatchObject({ kind: 'profile_changed' });
    expect(map({ propertyName: 'lifecyclestage', propertyValue: 'lead' })).toMatchObject({ kind: 'profile_changed' });
    expect(map({ propertyName: 'hs_email_optout', propertyValue: 'false' })).toMatchObject({ kind: 'ignored', reason: 'filtered' });
    expect(map({ propertyName: 'favorite_color', propertyValue: 'red' })).toMatchObject({ kind: 'ignored', reason: 'unmapped' });
    expect(map({ subscriptionType: 'deal.creation' })).toMatchObject({ kind: 'ignored', reason: 'unmapped' });
  });
});

describe('HubSpot webhook body validation', () => {
  it('names the offending field', () => {
    const result = hubspotWebhookBatchSchema.safeParse([hubspotEvent(), hubspotEvent({ occurredAt: 'yesterday' })]);
    expect(result.success).toBe(false);
    expect(formatZodError(result.error!)).toMatch(/^\[1\]\.occurredAt: /);
  });

  it('refuses an empty batch and one larger than HubSpot sends', () => {
    expect(formatZodError(hubspotWebhookBatchSchema.safeParse([]).error!)).toMatch(/^\(root\): /);
    expect(hubspotWebhookBatchSchema.safeParse(Array.from({ length: 101 }, () => hubspotEvent())).success).toBe(false);
  });
});
