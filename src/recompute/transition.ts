import { ENGAGEMENT_TYPES, type EventType } from '../engine';

/** A ledger row as the recompute reads it; `id` orders rows by when Kindling recorded them. */
export interface LedgerRow {
  id: number;
  type: string;
  occurred_at: Date;
  attrs: unknown;
}

export interface Transition {
  from_stage: string | null;
  to_stage: string;
  from_track: string | null;
  to_track: string;
  cause: string | null;
}

/**
 * The change a new result makes to a contact's stage or track against the previous result (none on a
 * first result), or undefined when neither moved.
 *
 * The cause is read from the events recorded since the previous result (`fresh`), newest first: the
 * person engaging (the event's type) or an outside signal (its kind, e.g. `funding_round`) — what can
 * bring a contact back or over the threshold — else any other event (`became_customer`, `unsubscribed`).
 * With nothing new it is null: time alone moved the contact (silence, the welcome ending, a cooldown).
 * Fresh means recorded, not occurred, since then: a signal often reports something days old.
 */
export function transitionOf(previous: { stage: string; track: string } | null, next: { stage: string; track: string }, fresh: LedgerRow[], now: Date): Transition | undefined {
  if (previous && previous.stage === next.stage && previous.track === next.track) return undefined;
  return { from_stage: previous?.stage ?? null, to_stage: next.stage, from_track: previous?.track ?? null, to_track: next.track, cause: causeOf(fresh, now) };
}

function causeOf(fresh: LedgerRow[], now: Date): string | null {
  const seen = fresh.filter((r) => r.occurred_at.getTime() <= now.getTime()).sort((a, b) => b.occurred_at.getTime() - a.occurred_at.getTime() || b.id - a.id);
  const active = seen.find((r) => r.type === 'signal' || ENGAGEMENT_TYPES.has(r.type as EventType)) ?? seen[0];
  if (!active) return null;
  const kind = active.type === 'signal' ? (active.attrs as { kind?: unknown } | null)?.kind : undefined;
  return typeof kind === 'string' ? kind : active.type;
}
