import { PermanentCrmError } from '../../errors';
import type { InboundEvent } from '../../ingest/inbound';
import type { Enricher } from '../enricher';
import { type HubSpotCallDeps, hubspotCalls } from './calls';

/** The ledger source of events read one by one from HubSpot's Events API. */
export const ENRICHED_SOURCE = 'hubspot-events';

const EVENT_TYPES: Record<string, { type: string; attrs: (p: Record<string, string | undefined>) => Record<string, unknown> }> = {
  // HubSpot's standard event types for page views and form submissions.
  e_visited_page: { type: 'page_viewed', attrs: (p) => ({ url: p.hs_url, title: p.hs_title }) },
  e_submitted_form: { type: 'form_submitted', attrs: (p) => ({ formId: p.hs_form_id, formName: p.hs_form_title ?? p.hs_title, pageUrl: p.hs_url }) },
};
/**
 * Pages of 100 per event type and fetch: a contact with more than 5,000 page views since the last fetch is
 * a bot or a load test, whose further events add nothing a rep needs.
 */
const MAX_PAGES = 50;

/**
 * The Events API (`GET /events/v3/events`) lists a contact's page views and form submissions one by one.
 * It needs only the `oauth` scope but answers only for Enterprise accounts: a 403 marks the account as
 * not having it, and Kindling keeps using the property values the webhooks carry.
 */
export function createHubSpotEventsEnricher(deps: HubSpotCallDeps): Enricher {
  // The connector's own calls: the shared budget, one refresh after a 401, HubSpot's errors classified.
  const { call, allPages } = hubspotCalls(deps);
  return {
    source: ENRICHED_SOURCE,
    details: new Set(Object.values(EVENT_TYPES).map((t) => t.type)),
    async fetch(tenant, contactId, since) {
      const events: InboundEvent[] = [];
      for (const eventType of Object.keys(EVENT_TYPES)) {
        let found;
        try {
          found = await allPages((after) => call(tenant, 'events.list', (c) => c.events.eventsApi.getPage('contact', eventType, after, undefined, 100, undefined, since, undefined, Number(contactId))), MAX_PAGES);
        } catch (err) {
          // 403: the account lacks the Events API (Enterprise only); 404: the API is not there for it.
          if (err instanceof PermanentCrmError && (err.status === 403 || err.status === 404)) return { unavailable: err.message };
          throw err;
        }
        for (const r of found) {
          const spec = EVENT_TYPES[r.eventType];
          if (!spec) continue;
          events.push({ type: spec.type, occurredAt: new Date(r.occurredAt), source: ENRICHED_SOURCE, sourceEventId: `${r.eventType}:${r.id}`, attrs: clean(spec.attrs(r.properties ?? {})) });
        }
      }
      return { events };
    },
  };
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
}
