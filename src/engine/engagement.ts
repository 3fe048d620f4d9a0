import { type CompiledModel, type Matched, meets, RECENT_IDS } from './compile';
import type { EngineEvent } from './events';
import type { Reason } from './types';

export interface EngagementScore {
  points: number;
  /**
   * The share of `points` that fades. Every fading contribution shares the model's half-life, so the
   * whole share fades as one: at `now + Δ` it is `fading · 2^(−Δ/halfLife)`, while the rest holds.
   */
  fading: number;
  reasons: Reason[];
  /** Latest event that shows the person engaging, or a signal that may re-open them. */
  lastActiveAt?: number;
}


/**
 * Points for what the contact did. `events` must be sorted (time, then source and id) so that caps keep
 * the same events whatever order they arrived in. Each counted event's positive points fade with the
 * model's half-life unless the rule says otherwise; penalties hold until the horizon. Tallies live in
 * arrays indexed by rule: this loop is the engine's hot path.
 */
export function scoreEngagement(cm: CompiledModel, events: readonly EngineEvent[], matched: Matched, now: number): EngagementScore {
  const { model, dayMs } = cm;
  const rules = model.engagement.rules;
  const n = rules.length;
  const decayPerMs = Math.LN2 / (model.halfLifeDays * dayMs);
  // Tallies reuse the compiled model's scratch arrays: evaluation is synchronous, so nothing else can be
  // using them, and allocating five typed arrays per call was a measurable share of its cost.
  const { points, counts, latest, windowOf, usedInWindow } = cm.scratch;
  points.fill(0);
  counts.fill(0);
  latest.fill(0);
  windowOf.fill(Number.NaN);
  usedInWindow.fill(0);
  // Each rule's latest RECENT_IDS events, as positions in `events`: a ring per rule, no allocation.
  const recent = cm.scratch.recent;
  const windowMs = cm.capWindowMs;
  // Allocated on a rule's first match only: most rules have no return bonus.
  const returnTimes: Array<number[] | undefined> = new Array(n);
  let lastActiveAt: number | undefined;

  for (let k = 0; k < events.length; k++) {
    const type = matched.of[k];
    if (type === undefined) continue;
    const e = events[k]!;
    const t = e.occurredAt.getTime();
    if (type.engaged) lastActiveAt = t;
    const candidates = type.rules;
    let eventFade = -1; // computed once per event, shared by every rule it meets
    for (let j = 0; j < candidates.length; j++) {
      if (!meets(matched, k, j, e)) continue;
      const { rule, index: i } = candidates[j]!;
      if (rule.reopens) lastActiveAt = t;
      if (rule.returns) (returnTimes[i] ??= []).push(t);
      if (rule.cap) {
        // Events arrive sorted, so a rule's windows are visited in order: one counter per rule suffices.
        const w = Math.floor(t / windowMs[i]!);
        if (w !== windowOf[i]) {
          windowOf[i] = w;
          usedInWindow[i] = 0;
        }
        if (usedInWindow[i]! >= rule.cap.max) continue;
        usedInWindow[i]!++;
      }
      const strength = rule.scaleByStrength && e.type === 'signal' ? e.attrs.strength : 1;
      // Only credit fades: a penalty that faded would make silence raise the score.
      let fade = 1;
      if (rule.decays && rule.points > 0 && now > t) {
        if (eventFade < 0) eventFade = Math.exp(-(now - t) * decayPerMs);
        fade = eventFade;
      }
      points[i]! += rule.points * strength * fade;
      recent[i * RECENT_IDS + (counts[i]! % RECENT_IDS)] = k;
      counts[i]!++;
      if (t > latest[i]!) latest[i] = t;
    }
  }

  let total = 0;
  let fading = 0;
  const reasons: Reason[] = [];
  for (let i = 0; i < n; i++) {
    const rule = rules[i]!;
    if (counts[i]! > 0) {
      total += points[i]!;
      if (rule.decays && rule.points > 0) fading += points[i]!;
      reasons.push({ kind: 'engagement', ruleId: rule.id, label: rule.label, points: round1(points[i]!), count: counts[i]!, events: latestIds(events, recent, i, counts[i]!), at: isoOf(latest[i]!) });
    }
    if (rule.returns && (returnTimes[i]?.length ?? 0) >= rule.returns.count) {
      const metAt = latestReturn(returnTimes[i]!, rule.returns.count, rule.returns.withinDays * dayMs);
      if (metAt !== undefined) {
        const fade = rule.decays && rule.returns.points > 0 && now > metAt ? Math.exp(-(now - metAt) * decayPerMs) : 1;
        const p = rule.returns.points * fade;
        total += p;
        if (rule.decays && rule.returns.points > 0) fading += p;
        reasons.push({ kind: 'return', ruleId: `${rule.id}.returns`, label: rule.returns.label, points: round1(p), count: rule.returns.count, at: isoOf(metAt) });
      }
    }
  }
  return { points: total, fading, reasons, ...(lastActiveAt !== undefined ? { lastActiveAt } : {}) };
}

/** The ids of a rule's latest counted events, newest first, from its ring of positions. */
function latestIds(events: readonly EngineEvent[], recent: Uint32Array, rule: number, count: number): string[] {
  const ids: string[] = [];
  for (let c = count - 1; c >= 0 && c >= count - RECENT_IDS; c--) ids.push(events[recent[rule * RECENT_IDS + (c % RECENT_IDS)]!]!.sourceEventId);
  return ids;
}

/** The latest time at which `count` matching events fell within `withinMs`: the latest return counts. */
function latestReturn(times: number[], count: number, withinMs: number): number | undefined {
  let met: number | undefined;
  for (let i = count - 1; i < times.length; i++) {
    if (times[i]! - times[i - count + 1]! <= withinMs) met = times[i];
  }
  return met;
}

/** ISO strings of event times, memoised: a contact's recent events recur in every recompute. */
const isoCache = new Map<number, string>();
export function isoOf(ms: number): string {
  let iso = isoCache.get(ms);
  if (iso === undefined) {
    if (isoCache.size >= 50_000) isoCache.clear();
    iso = new Date(ms).toISOString();
    isoCache.set(ms, iso);
  }
  return iso;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * The first instant after `now` at which a score made of `holding` points plus `fading` points (fading
 * with `halfLifeMs`) rounds below `level`, with no new events; undefined when it never does. Events
 * leaving the horizon are ignored: after six half-lives what they still carry is under 2%.
 */
export function fadesBelowAt(opts: { holding: number; fading: number; level: number; halfLifeMs: number; now: number; floor?: number }): number | undefined {
  const { holding, fading, level, halfLifeMs, now, floor } = opts;
  if (floor !== undefined && Math.round(floor) >= level) return undefined;
  // Math.round(x) >= level exactly when x >= ceil(level) - 0.5.
  const edge = Math.ceil(level) - 0.5;
  if (holding >= edge || fading <= 0) return undefined;
  if (holding + fading < edge) return now;
  const ms = (Math.log(fading / (edge - holding)) / Math.LN2) * halfLifeMs;
  // A second past the crossing, so the evaluation then sees the score under the level despite rounding.
  return now + Math.ceil(ms) + 1000;
}
