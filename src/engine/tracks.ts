import type { CompiledModel } from './compile';
import type { EngineEvent } from './events';
import { type Profile, stageRank } from './profile';
import type { EngineState, Handoff, Track } from './types';

export interface TrackDecision {
  track: Track;
  since: number;
  reason: string;
  /** Future instants at which the track changes with time alone. */
  wakes: number[];
}

export interface TrackInput {
  cm: CompiledModel;
  events: readonly EngineEvent[];
  handoffs: Handoff[];
  score: number;
  /** When the score, fading with no new events, will round below a level (see `fadesBelowAt`). */
  fadesBelowAt: (level: number) => number | undefined;
  lastActiveAt: number | undefined;
  previous: EngineState | undefined;
  now: number;
  /** Why the contact must not be nurtured (see `suppression`), if it must not. */
  blocked: Suppression | undefined;
}

export interface Suppression {
  reason: string;
  since?: number;
}

/**
 * The nurture track, with explicit entry and exit criteria:
 * suppressed (customer, open opportunity, unsubscribed, disqualified, do-not-contact, or moved past MQL
 * by sales — checked first, so nothing enrolls them) → handoff (handed off within the cooldown, or
 * still near the threshold after one) → re_engage (silent for N days) → suppressed for silence (no
 * response to the re-engage touches) → welcome (new) → educate.
 */
export function decideTrack(input: TrackInput): TrackDecision {
  const { cm, events, handoffs, score, fadesBelowAt, lastActiveAt, previous, now, blocked } = input;
  const { tracks, mql, handoff } = cm.model;
  const day = cm.dayMs;

  if (blocked) return { track: 'suppressed', since: blocked.since ?? now, reason: blocked.reason, wakes: [] };

  const latest = handoffs[handoffs.length - 1];
  if (latest) {
    const at = Date.parse(latest.at);
    const cooldownEnd = at + handoff.cooldownDays * day;
    // Hysteresis: a contact already in handoff stays while the score is within `hysteresis` of the
    // threshold; one evaluated afresh (no stored state) needs the threshold itself.
    const exitBelow = previous?.track === 'handoff' ? mql.threshold - mql.hysteresis : mql.threshold;
    const stillHot = score >= exitBelow;
    if (now < cooldownEnd) return { track: 'handoff', since: at, reason: latest.reason, wakes: [cooldownEnd] };
    if (stillHot) {
      const cooled = fadesBelowAt(exitBelow);
      return { track: 'handoff', since: at, reason: latest.reason, wakes: cooled !== undefined ? [cooled] : [] };
    }
  }

  const firstSeen = events.length > 0 ? events[0]!.occurredAt.getTime() : now;
  const activeAt = Math.max(lastActiveAt ?? firstSeen, latest ? Date.parse(latest.at) : -Infinity);
  const silentAt = activeAt + tracks.silenceDays * day;
  if (now >= silentAt) {
    const giveUpAt = silentAt + tracks.reEngageTouches * tracks.reEngageIntervalDays * day;
    if (now >= giveUpAt) return { track: 'suppressed', since: giveUpAt, reason: 'no response to re-engagement', wakes: [] };
    return { track: 're_engage', since: silentAt, reason: `no engagement for ${tracks.silenceDays} days`, wakes: [giveUpAt] };
  }
  const welcomeEnd = firstSeen + tracks.welcomeDays * day;
  if (now < welcomeEnd && !latest) return { track: 'welcome', since: firstSeen, reason: 'new contact', wakes: [welcomeEnd, silentAt] };
  const since = Math.max(welcomeEnd, latest ? Date.parse(latest.at) + handoff.cooldownDays * day : -Infinity);
  return { track: 'educate', since: Math.min(since, now), reason: 'nurturing', wakes: [silentAt] };
}

/** Customers, open opportunities, opt-outs and contacts sales owns are never nurtured nor handed off by score. */
export function suppression(profile: Profile, events: readonly EngineEvent[]): Suppression | undefined {
  if (profile.isCustomer) return { reason: 'customer' };
  if (profile.disqualified || profile.lifecycleStage === 'disqualified') return { reason: 'disqualified' };
  if (profile.doNotContact) return { reason: 'do not contact' };
  if (profile.unsubscribed) return { reason: 'unsubscribed' };
  if (profile.hasOpenOpportunity) return { reason: 'open opportunity' };
  if (stageRank(profile.lifecycleStage) > stageRank('mql')) return { reason: `owned by sales (${profile.lifecycleStage})` };
  let openOpp: number | undefined;
  for (const e of events) {
    const t = e.occurredAt.getTime();
    if (e.type === 'became_customer') return { reason: 'customer', since: t };
    if (e.type === 'unsubscribed') return { reason: 'unsubscribed', since: t };
    if (e.type === 'opportunity_opened') openOpp = t;
    if (e.type === 'opportunity_closed') openOpp = undefined;
  }
  return openOpp !== undefined ? { reason: 'open opportunity', since: openOpp } : undefined;
}
