/**
 * What every CRM's inbound adapter turns a webhook into: CRM-neutral items the ingest records. Nothing
 * downstream of this type knows which CRM sent the request.
 */
export interface ContactRef {
  objectType: 'contact' | 'lead';
  id: string;
}

export interface InboundEvent {
  type: string;
  occurredAt: Date;
  source: string;
  /** The ledger's dedupe key within (tenant, source): a redelivery maps to the same key. */
  sourceEventId: string;
  attrs: Record<string, unknown>;
}

export type IgnoreReason = 'echo' | 'unmapped' | 'filtered';

export type InboundItem =
  | { kind: 'event'; accountId: string; contact: ContactRef; event: InboundEvent }
  /** A fit attribute changed: no ledger event, but the cached profile is stale and the score may move. */
  | { kind: 'profile_changed'; accountId: string; contact: ContactRef }
  | { kind: 'deleted'; accountId: string; contact: ContactRef; privacy: boolean }
  | { kind: 'merged'; accountId: string; into: ContactRef; from: ContactRef[] }
  | { kind: 'ignored'; accountId: string; reason: IgnoreReason };
