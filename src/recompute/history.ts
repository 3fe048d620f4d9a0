import type { Enricher } from '../crm/enricher';
import { type EngineEvent, engineEventSchema } from '../engine';
import type { Logger } from '../log';
import { dropEnrichedTwins } from './enriched-twins';

/** Bounds one evaluation's cost: past it, the oldest events inside the horizon are the ones left out. */
export const MAX_EVENTS = 5000;

export interface LedgerRow {
  type: string;
  occurred_at: Date;
  source: string;
  source_event_id: string;
  attrs: unknown;
}

/**
 * A contact's ledger rows, in ledger order, as the engine reads them wherever it runs (the recompute, the
 * model preview): parsed (a row that no longer parses is skipped, and said), and where the account has an
 * enricher, the property-derived twins of its detailed events dropped.
 */
export function engineHistory(rows: readonly LedgerRow[], enricher: Pick<Enricher, 'source' | 'details'> | undefined, log?: Logger): EngineEvent[] {
  const parsed: EngineEvent[] = [];
  for (const r of rows) {
    const p = engineEventSchema.safeParse({ type: r.type, occurredAt: r.occurred_at, source: r.source, sourceEventId: r.source_event_id, attrs: r.attrs ?? {} });
    if (p.success) parsed.push(p.data);
    else log?.warn('recompute.event_skipped', { type: r.type, sourceEventId: r.source_event_id });
  }
  return enricher ? dropEnrichedTwins(parsed, enricher.source, enricher.details) : parsed;
}
