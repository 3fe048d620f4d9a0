import { ENGAGEMENT_TYPES, type EngineEvent, EVENT_TYPES, type EventType } from './events';
import type { EngagementRule, EventMatcher, FitRule, ScoringModel } from './model';

export type EventTest = (e: EngineEvent) => boolean;

export interface CompiledEngagementRule {
  rule: EngagementRule;
  /** Position in the model's rule list: per-evaluation tallies are arrays indexed by it. */
  index: number;
  test: EventTest;
}

export interface CompiledInstantRule {
  rule: ScoringModel['handoff']['instant'][number];
  test: EventTest;
}

/**
 * What the model does with one event type: the engagement rules that score it and the instant-handoff
 * rules it can trigger, with `meets(e)` saying which of them an event meets, as bits: rule j of `rules`
 * is bit j, instant rule j is bit `rules.length + j`. -1 means more rules than bits: test each (`meets`).
 * The answer is memoised by the one text the rules read (the page URL, the form name, the signal kind):
 * every recompute of a contact reads its whole history again, the same pages and forms each time.
 */
export interface TypeRules {
  engaged: boolean;
  rules: CompiledEngagementRule[];
  instant: CompiledInstantRule[];
  meets: (e: EngineEvent) => number;
}

/** Each in-scope event's type rules and which of them it meets, found once per evaluation. */
export interface Matched {
  of: Array<TypeRules | undefined>;
  hits: Int32Array;
}

/** Whether event i meets bit `bit` of its type's rules. */
export function meets(m: Matched, i: number, bit: number, e: EngineEvent): boolean {
  const hits = m.hits[i]!;
  if (hits !== -1) return (hits & (1 << bit)) !== 0;
  const of = m.of[i]!;
  return bit < of.rules.length ? of.rules[bit]!.test(e) : of.instant[bit - of.rules.length]!.test(e);
}

export interface CompiledModel {
  model: ScoringModel;
  fit: Array<{ rule: FitRule; test: (v: unknown) => boolean }>;
  dayMs: number;
  types: Map<EventType, TypeRules>;
  /** Each engagement rule's cap window in milliseconds (NaN without a cap), by rule index. */
  capWindowMs: Float64Array;
  /** Per-rule tallies, reset and reused by every evaluation under this model. */
  scratch: { points: Float64Array; counts: Uint32Array; latest: Float64Array; windowOf: Float64Array; usedInWindow: Uint32Array; recent: Uint32Array };
}

const cache = new WeakMap<ScoringModel, CompiledModel>();

/** How many of a rule's latest events its reason names. */
export const RECENT_IDS = 5;

/** Regexes and indexes built once per model object, not per evaluation. */
export function compile(model: ScoringModel): CompiledModel {
  const hit = cache.get(model);
  if (hit) return hit;
  const rulesOf = new Map<EventType, Array<CompiledEngagementRule & { reads: Matcher['reads'] }>>();
  for (const [index, rule] of model.engagement.rules.entries()) {
    const m = matcher(rule.match);
    for (const type of Array.isArray(rule.event) ? rule.event : [rule.event]) {
      rulesOf.set(type, [...(rulesOf.get(type) ?? []), { rule, index, ...m }]);
    }
  }
  const instantOf = new Map<EventType, Array<CompiledInstantRule & { reads: Matcher['reads'] }>>();
  for (const rule of model.handoff.instant) instantOf.set(rule.event, [...(instantOf.get(rule.event) ?? []), { rule, ...matcher(rule.match) }]);
  const n = model.engagement.rules.length;
  const compiled: CompiledModel = {
    model,
    fit: model.fit.rules.map((rule) => ({ rule, test: fitTest(rule) })),
    dayMs: 86_400_000,
    types: new Map(EVENT_TYPES.map((t) => [t, typeRules(ENGAGEMENT_TYPES.has(t), rulesOf.get(t) ?? [], instantOf.get(t) ?? [])])),
    scratch: { points: new Float64Array(n), counts: new Uint32Array(n), latest: new Float64Array(n), windowOf: new Float64Array(n), usedInWindow: new Uint32Array(n), recent: new Uint32Array(n * RECENT_IDS) },
    capWindowMs: Float64Array.from(model.engagement.rules, (r) => (r.cap ? r.cap.windowDays * 86_400_000 : Number.NaN)),
  };
  cache.set(model, compiled);
  return compiled;
}

/** Every event's type rules and hits, in one pass shared by scoring and handoffs. */
export function matchEvents(cm: CompiledModel, events: readonly EngineEvent[]): Matched {
  const of = new Array<TypeRules | undefined>(events.length);
  const hits = new Int32Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const t = cm.types.get(e.type);
    of[i] = t;
    if (t) hits[i] = t.meets(e);
  }
  return { of, hits };
}

const MASK_BITS = 31;

function typeRules(engaged: boolean, rules: Array<CompiledEngagementRule & { reads: Matcher['reads'] }>, instant: Array<CompiledInstantRule & { reads: Matcher['reads'] }>): TypeRules {
  const all = [...rules, ...instant];
  const out = { engaged, rules: rules.map(({ rule, index, test }) => ({ rule, index, test })), instant: instant.map(({ rule, test }) => ({ rule, test })) };
  if (all.length > MASK_BITS) return { ...out, meets: () => -1 };
  const reads = new Set(all.filter((m) => m.reads !== 'nothing').map((m) => m.reads));
  const every = 2 ** all.length - 1;
  if (reads.size === 0) return { ...out, meets: () => every };
  const compute = (e: EngineEvent) => {
    let hits = 0;
    for (let j = 0; j < all.length; j++) if (all[j]!.test(e)) hits |= 1 << j;
    return hits;
  };
  const [field] = reads;
  if (reads.size > 1 || field === 'several') return { ...out, meets: compute };
  return { ...out, meets: memoised(KEYS[field as keyof typeof KEYS], compute) };
}

/** Enough for every distinct page and form of a site; past it the memo starts over rather than grow. */
const MEMO_LIMIT = 20_000;
/** Lookups per verdict on the memo, and how many events skip it after a poor one. */
const MEMO_TRIAL = 1024;
const MEMO_REST = 16 * MEMO_TRIAL;

/**
 * `compute` remembered by the text `key` reads. A miss costs more than the regexes it saves (a store in
 * a large map), so when fewer than half of a trial's lookups hit (texts that never repeat, such as URLs
 * with a unique query string) the memo rests and events are tested directly, then it is tried again.
 */
function memoised(key: (a: Record<string, unknown>) => string, compute: (e: EngineEvent) => number): (e: EngineEvent) => number {
  const memo = new Map<string, number>();
  let lookups = 0;
  let hits = 0;
  let resting = 0;
  return (e) => {
    if (resting > 0) {
      resting--;
      return compute(e);
    }
    const k = key(e.attrs as Record<string, unknown>);
    let found = memo.get(k);
    if (found !== undefined) hits++;
    else {
      if (memo.size >= MEMO_LIMIT) memo.clear();
      found = compute(e);
      memo.set(k, found);
    }
    if (++lookups === MEMO_TRIAL) {
      if (hits * 2 < MEMO_TRIAL) resting = MEMO_REST;
      lookups = hits = 0;
    }
    return found;
  };
}

const text = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** The text each kind of single-field matcher reads: the memo key, and exactly what the test sees. */
const KEYS = {
  url: (a: Record<string, unknown>) => text(a.url ?? a.pageUrl),
  formName: (a: Record<string, unknown>) => text(a.formName),
  kind: (a: Record<string, unknown>) => String(a.kind),
};

interface Matcher {
  test: EventTest;
  /** What the test depends on: one field (then its answer can be memoised by that text), none, or several. */
  reads: keyof typeof KEYS | 'nothing' | 'several';
}

function matcher(m: EventMatcher | undefined): Matcher {
  if (!m) return { test: () => true, reads: 'nothing' };
  const url = m.url ? new RegExp(m.url, 'i') : undefined;
  const formName = m.formName ? new RegExp(m.formName, 'i') : undefined;
  const kinds = m.signalKinds ? new Set<string>(m.signalKinds) : undefined;
  const test: EventTest = (e) => {
    const a = e.attrs as Record<string, unknown>;
    if (url && !url.test(KEYS.url(a))) return false;
    if (formName && !formName.test(KEYS.formName(a))) return false;
    if (m.formId !== undefined && a.formId !== m.formId) return false;
    if (m.emailId !== undefined && a.emailId !== m.emailId) return false;
    if (kinds && !kinds.has(KEYS.kind(a))) return false;
    return true;
  };
  const fields = (['url', 'formName', 'kind', 'formId', 'emailId'] as const).filter((f) =>
    f === 'url' ? url : f === 'formName' ? formName : f === 'kind' ? kinds : m[f] !== undefined);
  const [only] = fields;
  const reads = only === undefined ? 'nothing' : fields.length === 1 && only in KEYS ? (only as keyof typeof KEYS) : 'several';
  return { test, reads };
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
