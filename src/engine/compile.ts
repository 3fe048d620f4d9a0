import { ENGAGEMENT_TYPES, type EngineEvent, EVENT_TYPES, type EventType } from './events';
import type { EngagementRule, EventMatcher, FitRule, ScoringModel } from './model';

export type EventTest = (e: EngineEvent) => boolean;

export interface CompiledEngagementRule {
  rule: EngagementRule;
  /** Position in the model's rule list: per-evaluation tallies are arrays indexed by it. */
  index: number;
  test: EventTest;
}

export interface CompiledModel {
  model: ScoringModel;
  fit: Array<{ rule: FitRule; test: (v: unknown) => boolean }>;
  /** Engagement rules indexed by the event types they score: each event meets only its own rules. */
  byType: Map<EventType, CompiledEngagementRule[]>;
  /** Instant-handoff rules by event type, like engagement rules. */
  instantByType: Map<EventType, Array<{ rule: ScoringModel['handoff']['instant'][number]; test: EventTest }>>;
  dayMs: number;
  /** Per event type: whether it shows engagement, and the engagement rules that score it. */
  typeInfo: Map<EventType, { engaged: boolean; rules: CompiledEngagementRule[] }>;
  /** Each engagement rule's cap window in milliseconds (NaN without a cap), by rule index. */
  capWindowMs: Float64Array;
  /** Per-rule tallies, reset and reused by every evaluation under this model. */
  scratch: { points: Float64Array; counts: Uint32Array; latest: Float64Array; windowOf: Float64Array; usedInWindow: Uint32Array };
}

const cache = new WeakMap<ScoringModel, CompiledModel>();

/** Regexes and indexes built once per model object, not per evaluation. */
export function compile(model: ScoringModel): CompiledModel {
  const hit = cache.get(model);
  if (hit) return hit;
  const byType = new Map<EventType, CompiledEngagementRule[]>();
  for (const [index, rule] of model.engagement.rules.entries()) {
    const compiled = { rule, index, test: matcher(rule.match) };
    for (const type of Array.isArray(rule.event) ? rule.event : [rule.event]) {
      byType.set(type, [...(byType.get(type) ?? []), compiled]);
    }
  }
  const compiled: CompiledModel = {
    model,
    fit: model.fit.rules.map((rule) => ({ rule, test: fitTest(rule) })),
    byType,
    instantByType: new Map(),
    dayMs: 86_400_000,
    typeInfo: new Map(EVENT_TYPES.map((t) => [t, { engaged: ENGAGEMENT_TYPES.has(t), rules: byType.get(t) ?? [] }])),
    scratch: (() => {
      const n = model.engagement.rules.length;
      return { points: new Float64Array(n), counts: new Uint32Array(n), latest: new Float64Array(n), windowOf: new Float64Array(n), usedInWindow: new Uint32Array(n) };
    })(),
    capWindowMs: Float64Array.from(model.engagement.rules, (r) => (r.cap ? r.cap.windowDays * 86_400_000 : Number.NaN)),
  };
  for (const rule of model.handoff.instant) {
    const list = compiled.instantByType.get(rule.event) ?? [];
    list.push({ rule, test: matcher(rule.match) });
    compiled.instantByType.set(rule.event, list);
  }
  cache.set(model, compiled);
  return compiled;
}

function matcher(m: EventMatcher | undefined): EventTest {
  if (!m) return () => true;
  const url = m.url ? new RegExp(m.url, 'i') : undefined;
  const formName = m.formName ? new RegExp(m.formName, 'i') : undefined;
  const kinds = m.signalKinds ? new Set<string>(m.signalKinds) : undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  // The common single-condition rules get a closure that does only that check: this is the hot loop.
  if (url && !formName && !kinds && m.formId === undefined && m.emailId === undefined) {
    return (e) => {
      const a = e.attrs as { url?: unknown; pageUrl?: unknown };
      const v = a.url ?? a.pageUrl;
      return typeof v === 'string' ? url.test(v) : url.test(text(v));
    };
  }
  if (formName && !url && !kinds && m.formId === undefined && m.emailId === undefined) {
    return (e) => {
      const v = (e.attrs as { formName?: unknown }).formName;
      return typeof v === 'string' ? formName.test(v) : formName.test(text(v));
    };
  }
  return (e) => {
    const a = e.attrs as Record<string, unknown>;
    if (url && !url.test(text(a.url ?? a.pageUrl))) return false;
    if (formName && !formName.test(text(a.formName))) return false;
    if (m.formId !== undefined && a.formId !== m.formId) return false;
    if (m.emailId !== undefined && a.emailId !== m.emailId) return false;
    if (kinds && !kinds.has(String(a.kind))) return false;
    return true;
  };
}

const norm = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

function fitTest(rule: FitRule): (v: unknown) => boolean {
  const w = rule.when;
  const present = (v: unknown) => v !== undefined && v !== null && v !== '';
  switch (w.op) {
    case 'equals': {
      const want = norm(w.value);
      return (v) => present(v) && norm(v) === want;
    }
    case 'in': {
      const set = new Set(w.values.map(norm));
      return (v) => present(v) && set.has(norm(v) as string | number);
    }
    case 'not_in': {
      const set = new Set(w.values.map(norm));
      return (v) => present(v) && !set.has(norm(v) as string | number);
    }
    case 'regex': {
      const re = new RegExp(w.pattern, 'i');
      return (v) => present(v) && re.test(String(v));
    }
    case 'range':
      return (v) => {
        if (!present(v)) return false;
        const n = typeof v === 'number' ? v : Number(v);
        return Number.isFinite(n) && (w.min === undefined || n >= w.min) && (w.max === undefined || n < w.max);
      };
    case 'domain_in': {
      const domains = w.domains.map((d) => d.toLowerCase().replace(/^@/, ''));
      return (v) => {
        if (!present(v)) return false;
        const s = String(v).toLowerCase();
        const domain = s.includes('@') ? s.slice(s.lastIndexOf('@') + 1) : s;
        return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
      };
    }
    case 'missing':
      return (v) => !present(v);
  }
}
