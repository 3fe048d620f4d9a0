import type { InboundEvent } from '../ingest/inbound';
import type { Tenant } from '../store/tables';

/**
 * Reads what a property change cannot say (each page view, each form fill) from a CRM API that lists
 * them, where the account has one. CRM-neutral: the recompute knows only this.
 */
export interface Enricher {
  /** The ledger source of the events it records. */
  readonly source: string;
  /** The event types it lists in detail; property-derived events of these types are its fallback. */
  readonly details: ReadonlySet<string>;
  /** Events of the contact since `since`, as canonical events with their own dedupe keys; `unavailable` when the account lacks the API. */
  fetch(tenant: Tenant, contactId: string, since: Date): Promise<{ events: InboundEvent[] } | { unavailable: string }>;
}
