import { compile, matchEvents } from './compile';
import { fadesBelowAt, isoOf, scoreEngagement } from './engagement';
import { ENGAGEMENT_TYPES, type EngineEvent } from './events';
import { scoreFit } from './fit';
import { findHandoffs } from './handoff';
import type { ScoringModel } from './model';
import { type Profile, type Stage, stageRank } from './profile';
import { renderReasons } from './render-reasons';
import { taskBody, taskSubject } from './task-body';
import { decideTrack, suppression } from './tracks';
import type { Action, EngineResult, EngineState, Reason, Track } from './types';

/** Tracks that have a nurture sequence to enroll in; handoff and suppressed have none. */
const SEQUENCE_TRACKS: ReadonlySet<Track> = new Set(['welcome', 'educate', 're_engage']);

/**
 * Kindling's brain, with no I/O: who the contact is and what they did, scored and explained, and what to
 * do about it. Same inputs, same output, whatever the order of `events`. Events after `now` or older
 * than the model's horizon contribute nothing. `previous` is the state this returned last time for the
 * contact; without it the result is still right, it just cannot tell which sequence to leave.
 */
export function evaluate(model: ScoringModel, profile: Profile, events: readonly EngineEvent[], now: Date, previous?: EngineState): EngineResult {
  const cm = compile(model);
  const t = now.getTime();
  const from = t - model.horizonDays * cm.dayMs;
  const inScope = inOrder(inWindow(events, from, t));

  const fit = scoreFit(cm, profile);
  const matched = matchEvents(cm, inScope);
  const engagement = scoreEngagement(cm, inScope, matched, t);
  let score = Math.round(fit.points + engagement.points);
  if (model.scoreRange) score = Math.min(model.scoreRange.max, Math.max(model.scoreRange.min, score));

  const blocked = suppression(profile, inScope);
  const handoffs = findHandoffs({ cm, events: inScope, matched, score, grade: fit.grade, profile, previous, now: t, suppressed: blocked !== undefined });
  const holding = fit.points + engagement.points - engagement.fading;
  const fades = (level: number) => fadesBelowAt({ holding, fading: engagement.fading, level, halfLifeMs: model.halfLifeDays * cm.dayMs, now: t, ...(model.scoreRange ? { floor: model.scoreRange.min } : {}) });
  const decision = decideTrack({ cm, events: inScope, handoffs, score, fadesBelowAt: fades, lastActiveAt: engagement.lastActiveAt, previous, now: t, blocked });
  const trackSince = previous?.track === decision.track ? Date.parse(previous.trackSince) : decision.since;
  const stage = proposeStage(profile, inScope, handoffs.length > 0, decision.track);

  const reasons: Reason[] = [...fit.reasons, ...engagement.reasons];
  const trackSinceIso = isoOf(trackSince);
  const state: EngineState = {
    track: decision.track,
    trackSince: trackSinceIso,
    handoffs: handoffs.slice(-10),
    ...(handoffs.length > 0 ? { mqlAt: handoffs[0]!.at } : {}),
  };
  const summary = renderReasons(reasons);
  const actions: Action[] = [
    {
      kind: 'set_properties',
      idempotencyKey: `props:${score}:${fit.grade}:${decision.track}:${stage}`,
      properties: {
        score,
        grade: fit.grade,
        fitScore: Math.round(fit.points),
        engagementScore: Math.round(engagement.points),
        track: decision.track,
        reasonsSummary: summary,
        ...(stage !== profile.lifecycleStage ? { stage } : {}),
      },
    },
  ];

  if (previous && previous.track !== decision.track && SEQUENCE_TRACKS.has(previous.track)) {
    actions.push({ kind: 'unenroll', idempotencyKey: `unenroll:${previous.track}:${previous.trackSince}`, track: previous.track, reason: decision.reason });
  }
  if (SEQUENCE_TRACKS.has(decision.track)) {
    actions.push({ kind: 'enroll', idempotencyKey: `enroll:${decision.track}:${state.trackSince}`, track: decision.track });
  }

  const latest = handoffs[handoffs.length - 1];
  // A handoff the previous state already holds had its task emitted then (state and outbox are written
  // in one transaction); emitting again would be harmless (same key) but wasted work.
  const isNew = latest && !previous?.handoffs.some((h) => h.id === latest.id);
  if (latest && isNew && decision.track === 'handoff' && t - Date.parse(latest.at) <= model.handoff.maxAgeDays * cm.dayMs) {
    const input = { profile, handoff: latest, score, grade: fit.grade, fitPoints: fit.points, engagementPoints: engagement.points, reasons, events: inScope, track: decision.track, trackSince };
    actions.push({
      kind: 'create_task',
      // One task per handoff: the key is the handoff, never the job or the attempt.
      idempotencyKey: `task:${latest.id}`,
      subject: taskSubject(input),
      body: taskBody(input),
      priority: latest.priority,
      dueAt: new Date(Date.parse(latest.at) + model.handoff.slaHours[latest.priority] * 3_600_000),
      reason: latest.reason,
    });
    if (model.handoff.notify.includes(latest.priority)) {
      actions.push({ kind: 'notify', idempotencyKey: `notify:${latest.id}`, text: `Hot lead: ${taskSubject(input)}`, priority: latest.priority });
    }
  }

  const wake = decision.wakes.filter((w) => w > t).sort((a, b) => a - b)[0];
  return {
    fit: { points: fit.points, grade: fit.grade },
    engagement: { points: Math.round(engagement.points * 10) / 10 },
    score,
    stage,
    track: decision.track,
    actions,
    reasons: [
      ...reasons,
      { kind: 'track', ruleId: `track.${decision.track}`, label: decision.reason, points: 0, at: trackSinceIso },
      ...(latest ? [{ kind: 'handoff' as const, ruleId: latest.id, label: latest.reason, points: 0, at: latest.at }] : []),
    ],
    state,
    ...(wake !== undefined ? { nextWakeAt: new Date(wake) } : {}),
  };
}

/** Forward only, never past MQL, and nothing at all for a contact sales or another system moved on. */
function proposeStage(profile: Profile, events: readonly EngineEvent[], handedOff: boolean, track: Track): Stage {
  const current = profile.lifecycleStage;
  if (current === 'disqualified' || stageRank(current) > stageRank('mql')) return current!;
  // The person engaging makes a subscriber a lead; a bounce, an unsubscribe or a signal about their company does not.
  const engaged = events.some((e) => ENGAGEMENT_TYPES.has(e.type));
  const proposed: Stage = handedOff && track !== 'suppressed' ? 'mql' : engaged ? 'lead' : 'subscriber';
  return stageRank(proposed) > stageRank(current) ? proposed : (current ?? proposed);
}

/** Events inside [from, to]; the input itself (not a copy) when all of it is, so never to be mutated. */
function inWindow(events: readonly EngineEvent[], from: number, to: number): readonly EngineEvent[] {
  for (let i = 0; i < events.length; i++) {
    const at = events[i]!.occurredAt.getTime();
    if (at > to || at < from) return events.filter((e) => {
      const x = e.occurredAt.getTime();
      return x <= to && x >= from;
    });
  }
  return events;
}

/** Sorted by time, then source and id; the ledger already returns them so, which costs one pass. A sorted copy otherwise: the caller's array is left alone. */
function inOrder(events: readonly EngineEvent[]): readonly EngineEvent[] {
  let prev = events.length > 0 ? events[0]!.occurredAt.getTime() : 0;
  for (let i = 1; i < events.length; i++) {
    const at = events[i]!.occurredAt.getTime();
    if (at < prev || (at === prev && byTimeThenId(events[i - 1]!, events[i]!) > 0)) return [...events].sort(byTimeThenId);
    prev = at;
  }
  return events;
}

function byTimeThenId(a: EngineEvent, b: EngineEvent): number {
  return a.occurredAt.getTime() - b.occurredAt.getTime() || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) || (a.sourceEventId < b.sourceEventId ? -1 : a.sourceEventId > b.sourceEventId ? 1 : 0);
}
