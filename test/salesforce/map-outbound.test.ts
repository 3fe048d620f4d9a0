import { loadSalesforceEventMapping, mapOutbound, notificationsSchema, parseOutboundXml } from '../../src/crm/salesforce/map-outbound';
import type { InboundEvent, InboundItem } from '../../src/ingest/inbound';
import { outboundEnvelope } from '../../scripts/sandbox/salesforce/outbound';

// Envelopes as Salesforce sends them (Outbound Message SOAP, `notifications`), parsed the way the route does.
const ORG = '00D000000000001EAA';
const NOW = new Date('2026-05-04T12:00:00.000Z');
const mapping = loadSalesforceEventMapping();
type Fields = Record<string, string | number | boolean | null>;
const map = (notifications: Array<{ id: string; type: string; fields: Fields }>): InboundItem[] =>
  mapOutbound(notificationsSchema.parse(parseOutboundXml(outboundEnvelope({ orgId: ORG, actionId: '04k000000000001AAA', enterpriseUrl: 'https://example.my.salesforce.com', notifications }))), mapping, NOW);
const events = (items: InboundItem[]): InboundEvent[] => items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
const keys = (items: InboundItem[]) => events(items).map((e) => e.sourceEventId);

const lead = (fields: Fields = {}): Fields => ({ Id: '00Q000000000101AAA', Status: 'Open - Not Contacted', Title: 'VP Marketing', pi__last_activity__c: '2026-05-01T09:30:00.000Z', pi__conversion_date__c: '2026-04-28T15:00:00.000Z', pi__conversion_object_name__c: 'Request a Demo', ...fields });
const member = (fields: Fields = {}): Fields => ({ Id: '00v000000000001AAA', LeadId: '00Q000000000101AAA', CampaignId: '701000000000009AAA', Status: 'Responded', Campaign_Name__c: 'Webinar', ...fields });

describe('Salesforce Outbound Messages are deduplicated per fact, not per notification', () => {
  it('a later message about the same lead with the same field values records no new event', () => {
    const first = map([{ id: '04l000000000001AAA', type: 'Lead', fields: lead() }]);
    // Kindling's own Status write fires the Outbound Message again: a new notification id, the same facts.
    const echo = map([{ id: '04l000000000002AAA', type: 'Lead', fields: lead({ Status: 'Marketing Qualified' }) }]);
    expect(events(first).map((e) => e.type)).toEqual(['page_viewed', 'form_submitted']);
    expect(keys(echo)).toEqual(keys(first));
  });

  it('a changed activity date is a new event, at that date; the unchanged conversion is not', () => {
    const first = map([{ id: '04l000000000001AAA', type: 'Lead', fields: lead() }]);
    const later = map([{ id: '04l000000000003AAA', type: 'Lead', fields: lead({ pi__last_activity__c: '2026-05-03T08:00:00.000Z' }) }]);
    expect(keys(later).filter((k) => !keys(first).includes(k))).toHaveLength(1);
    expect(events(later).find((e) => !keys(first).includes(e.sourceEventId))).toMatchObject({ type: 'page_viewed', occurredAt: new Date('2026-05-03T08:00:00.000Z') });
  });

  it('keys a campaign member event on the member and its status', () => {
    const responded = map([{ id: '04l000000000004AAA', type: 'CampaignMember', fields: member() }]);
    expect(keys(map([{ id: '04l000000000005AAA', type: 'CampaignMember', fields: member() }]))).toEqual(keys(responded));
    const attended = map([{ id: '04l000000000006AAA', type: 'CampaignMember', fields: member({ Status: 'Attended' }) }]);
    expect(events(attended)).toMatchObject([{ type: 'webinar_attended' }]);
    expect(keys(attended)).not.toEqual(keys(responded));
    const otherMember = map([{ id: '04l000000000007AAA', type: 'CampaignMember', fields: member({ Id: '00v000000000002AAA', CampaignId: '701000000000008AAA' }) }]);
    expect(keys(otherMember)).not.toEqual(keys(responded));
  });

  it('marks the profile stale when a message carries fit fields, even beside repeated facts', () => {
    const items = map([{ id: '04l000000000008AAA', type: 'Lead', fields: lead({ Title: 'CMO' }) }]);
    expect(items).toContainEqual({ kind: 'profile_changed', accountId: ORG, contact: { objectType: 'lead', id: '00Q000000000101AAA' } });
  });

  it('a meeting (Event) is a meeting booked for the Lead or Contact its WhoId names, once, when it was created', () => {
    const meeting = (fields: Fields) => map([{ id: '04l000000000031AAA', type: 'Event', fields: { Id: '00U000000000001AAA', CreatedDate: '2026-05-03T10:00:00.000Z', StartDateTime: '2026-05-06T15:00:00.000Z', Subject: 'Intro call', ...fields } }]);
    const forLead = meeting({ WhoId: '00Q000000000101AAA' });
    expect(forLead).toEqual([expect.objectContaining({ kind: 'event', contact: { objectType: 'lead', id: '00Q000000000101AAA' }, event: expect.objectContaining({ type: 'meeting_booked', occurredAt: new Date('2026-05-03T10:00:00.000Z'), attrs: { subject: 'Intro call', startsAt: '2026-05-06T15:00:00.000Z' } }) })]);
    expect(events(meeting({ WhoId: '003000000000201AAA' }))[0]).toMatchObject({ type: 'meeting_booked' });
    expect(meeting({ WhoId: '003000000000201AAA' })[0]).toMatchObject({ contact: { objectType: 'contact', id: '003000000000201AAA' } });
    // Rescheduled: the same booking, no second event.
    expect(keys(meeting({ WhoId: '00Q000000000101AAA', StartDateTime: '2026-05-07T15:00:00.000Z' }))).toEqual(keys(forLead));
    // Not about a person Kindling scores (no WhoId).
    expect(meeting({ WhoId: null })).toEqual([{ kind: 'ignored', accountId: ORG, reason: 'filtered' }]);
  });
});
