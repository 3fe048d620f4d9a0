import type { TokenProvider } from '../../auth/token-provider';
import type { InboundEvent } from '../../ingest/inbound';
import type { Enricher } from '../enricher';
import type { AccountLimiter } from '../../queue/rate-limiter';
import { hubspotClient } from './sdk';

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
export function createHubSpotEventsEnricher(deps: { apiBase: string; tokens: TokenProvider; limiter: AccountLimiter }): Enricher {
  return {
    source: ENRICHED_SOURCE,
    details: new Set(Object.values(EVENT_TYPES).map((t) => t.type)),
    async fetch(tenant, contactId, since) {
      const token = await deps.tokens.accessToken(tenant.id);
      const client = hubspotClient(deps.apiBase, token);
      const events: InboundEvent[] = [];
      for (const eventType of Object.keys(EVENT_TYPES)) {
        let after: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          await deps.limiter.take(`hubspot:${tenant.account_id}`);
          const res = await client.apiRequest({ method: 'GET', path: '/events/v3/events', qs: { objectType: 'contact', objectId: contactId, eventType, occurredAfter: since.toISOString(), limit: 100, ...(after ? { after } : {}) } });
          const body = (await res.json().catch(() => ({}))) as { results?: Array<{ id: string; eventType: string; occurredAt: string; properties?: Record<string, string> }>; paging?: { next?: { after?: string } }; message?: string };
          if (res.status === 403 || res.status === 404) return { unavailable: body.message ?? `HTTP ${res.status}` };
          if (res.status >= 400) throw Object.assign(new Error(body.message ?? `HTTP ${res.status}`), { code: res.status, body });
          for (const r of body.results ?? []) {
            const spec = EVENT_TYPES[r.eventType];
            if (!spec) continue;
            events.push({ type: spec.type, occurredAt: new Date(r.occurredAt), source: ENRICHED_SOURCE, sourceEventId: `${r.eventType}:${r.id}`, attrs: clean(spec.attrs(r.properties ?? {})) });
          }
          after = body.paging?.next?.after;
          if (!after) break;
        }
      }
      return { events };
    },
  };
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== ''));
}
