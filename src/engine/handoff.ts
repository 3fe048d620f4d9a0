import { type CompiledModel, type Matched, meets } from './compile';
import { isoOf } from './engagement';
import type { EngineEvent } from './events';
import type { Grade } from './model';
import { type Profile, stageRank } from './profile';
import type { EngineState, Handoff } from './types';

const GRADE_ORDER: Grade[] = ['A', 'B', 'C', 'D'];

export interface HandoffInput {
  cm: CompiledModel;
  events: readonly EngineEvent[];
  matched: Matched;
  score: number;
  grade: Grade;
  profile: Profile;
  previous: EngineState | undefined;
  now: number;
  /** A suppressed contact is not handed off by score (an instant event is still recorded). */
  suppressed: boolean;
}

/**
 * Every handoff to sales, oldest first. Instant events (demo request, reply, meeting) hand off at once;
 * within the cooldown a second one is the same handoff. Otherwise the score reaching the MQL threshold
 * (with the minimum grade, if any) hands off, attributed to the event that carried it over, when
 * `mayHandOffByScore` allows: once, and again only after the contact cooled off.
 */
export function findHandoffs(input: HandoffInput): Handoff[] {
  const { cm, events, matched, score, grade, previous } = input;
  const { handoff, mql } = cm.model;
  const cooldownMs = handoff.cooldownDays * cm.dayMs;
  const known = new Map((previous?.handoffs ?? []).map((h) => [h.id, h]));
  let last = -Infinity;
  for (const h of known.values()) last = Math.max(last, Date.parse(h.at));

  for (let k = 0; k < events.length; k++) {
    const type = matched.of[k];
    if (type === undefined || type.instant.length === 0) continue;
    const e = events[k]!;
    let j = 0;
    while (j < type.instant.length && !meets(matched, k, type.rules.length + j, e)) j++;
    const hit = type.instant[j];
    if (!hit) continue;
    const t = e.occurredAt.getTime();
    if (t - last < cooldownMs) continue;
    const id = `${hit.rule.id}:${e.source}:${e.sourceEventId}`;
    if (!known.has(id)) known.set(id, { id, at: isoOf(t), reason: hit.rule.label, priority: hit.rule.priority });
    last = t;
  }

  const gradeOk = !mql.minGrade || GRADE_ORDER.indexOf(grade) <= GRADE_ORDER.indexOf(mql.minGrade);
  if (score >= mql.threshold && gradeOk && !input.suppressed && mayHandOffByScore(input, known.size > 0, last)) {
    const carrier = latestEngagement(events);
    if (carrier) {
      const id = `mql:${carrier.source}:${carrier.sourceEventId}`;
      known.set(id, { id, at: carrier.occurredAt.toISOString(), reason: `score reached ${mql.threshold}`, priority: grade === 'A' ? 'HIGH' : 'MEDIUM' });
    }
  }
  // Plain code-unit order, not localeCompare: ISO times and ids compare correctly so, and faster.
  return [...known.values()].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * A first handoff by score needs a contact nobody made an MQL yet. A later one needs proof, from the
 * stored state, that the contact left handoff since (its score fell under threshold − hysteresis after
 * the cooldown, or it was suppressed) and that the cooldown is over: a recycled lead that heats up again
 * is news for sales, a score hovering at the threshold is not. Never for a contact sales moved past MQL.
 */
function mayHandOffByScore({ cm, profile, previous, now }: HandoffInput, handedOffBefore: boolean, lastHandoffAt: number): boolean {
  const stage = stageRank(profile.lifecycleStage);
  if (stage > stageRank('mql')) return false;
  if (!handedOffBefore) return stage < stageRank('mql');
  const rested = previous !== undefined && previous.track !== 'handoff' && previous.handoffs.length > 0;
  return rested && now - lastHandoffAt >= cm.model.handoff.cooldownDays * cm.dayMs;
}

function latestEngagement(events: readonly EngineEvent[]): EngineEvent | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.type !== 'contact_created') return e;
  }
  return undefined;
}
