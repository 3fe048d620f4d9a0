import { type RawBuilder, sql } from 'kysely';
import { ENGAGEMENT_TYPES, STAGES } from '../engine';
import { signalKindSchema } from '../engine/events';
import type { Db } from './db';

const WEEK_MS = 7 * 86_400_000;
/** Tracks a contact is engaging in again when it leaves re-engagement (not suppressed for silence). */
const RETURN_TRACKS = ['welcome', 'educate', 'handoff'];
const BELOW_MQL = STAGES.slice(0, STAGES.indexOf('mql'));

/** `weeks` weeks ending with the one that holds `now`; weeks start on Monday, 00:00 UTC (ISO weeks). */
export interface ResultsWindow {
  tenantId: string;
  weeks: number;
  now: Date;
}

export interface Results {
  /** Each week's first day, `YYYY-MM-DD`, oldest first; every series below has one number per week. */
  weeks: string[];
  /** Contacts in each stage at the end of each week (the current week: now). */
  stages: Record<string, number[]>;
  mqlsPerWeek: number[];
  /** Days from a contact's first recorded event to its becoming an MQL, over the MQLs of the window, and each week's median (null: no MQL that week). */
  timeToMqlDays: { median: number | null; p90: number | null; n: number; medianPerWeek: Array<number | null> };
  /** Of the contacts that entered `from` in the window, how many later reached `to` or a stage past it. */
  progression: Array<{ from: string; to: string; reached: number; progressed: number; rate: number | null }>;
  /** Of the contacts that entered re-engagement in the window, how many came back, by what brought them back (`all` first). */
  reengagement: Array<{ cause: string; entered: number; returned: number; rate: number | null }>;
  /** Rep tasks Kindling created (sent to the CRM) and the ones Kindling learned were completed, per week. */
  tasks: { created: number[]; completed: number[] };
}

/**
 * The results charts, aggregated in SQL over the tenant's transitions, ledger and outbox. Runs the same
 * on PostgreSQL and PGlite: plain SQL, weeks bucketed by arithmetic on epoch seconds rather than
 * `date_trunc`, whose weeks follow the session's time zone.
 */
export async function readResults(db: Db, w: ResultsWindow): Promise<Results> {
  const from = weekStart(w.now.getTime()) - (w.weeks - 1) * WEEK_MS;
  const q = { ...w, from: new Date(from) };
  const [stages, mqls, timeToMql, progression, reengagement, tasks] = await Promise.all([
    stagesAtWeekEnd(db, q), mqlsPerWeek(db, q), timeToMqlDays(db, q), stageProgression(db, q), reengagementYield(db, q), tasksPerWeek(db, q),
  ]);
  return {
    weeks: Array.from({ length: w.weeks }, (_, i) => new Date(from + i * WEEK_MS).toISOString().slice(0, 10)),
    stages, mqlsPerWeek: mqls, timeToMqlDays: timeToMql, progression, reengagement, tasks,
  };
}

type Query = ResultsWindow & { from: Date };

function weekStart(t: number): number {
  const day = new Date(t);
  day.setUTCHours(0, 0, 0, 0);
  return day.getTime() - ((day.getUTCDay() + 6) % 7) * 86_400_000;
}

/** Which of the window's weeks a timestamp falls in, 0 first. */
function weekOf(column: string, from: Date): RawBuilder<number> {
  return sql<number>`floor(extract(epoch from (${sql.ref(column)} - ${from.toISOString()}::timestamptz)) / 604800)::int`;
}

/** Numbers per week index, zero where the query found nothing. */
function perWeek(weeks: number, rows: Array<{ i: number; n: number }>): number[] {
  const out = new Array<number>(weeks).fill(0);
  for (const r of rows) if (r.i >= 0 && r.i < weeks) out[r.i] = Number(r.n);
  return out;
}

const contactKey = sql<string>`object_type || ':' || contact_id`;
const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);
const list = (values: readonly string[]) => sql.join(values.map((v) => sql.lit(v)));

/**
 * Kindling made the contact an MQL: it moved there from a stage below, or its first result was an MQL
 * being handed off (a contact already MQL in the CRM when first seen is not one of Kindling's).
 */
const becameMql = sql<boolean>`to_stage = 'mql' and (from_stage in (${list(BELOW_MQL)}) or (from_stage is null and to_track = 'handoff'))`;

async function stagesAtWeekEnd(db: Db, q: Query): Promise<Record<string, number[]>> {
  // Each transition holds its stage until the contact's next one: count the spans open at each week's end.
  const { rows } = await sql<{ i: number; stage: string; n: number }>`
    with spans as (
      select to_stage as stage, at, lead(at) over (partition by object_type, contact_id order by at, id) as until
      from transitions where tenant_id = ${q.tenantId} and at <= ${q.now}
    ), ends as (
      select i, least(${q.from.toISOString()}::timestamptz + (i + 1) * interval '7 days', ${q.now.toISOString()}::timestamptz) as at
      from generate_series(0, ${q.weeks - 1}::int) as i
    )
    select ends.i, spans.stage, count(*)::int as n
    from ends join spans on spans.at <= ends.at and (spans.until is null or spans.until > ends.at)
    group by ends.i, spans.stage`.execute(db);
  const out: Record<string, number[]> = Object.fromEntries(STAGES.map((s) => [s, perWeek(q.weeks, [])]));
  for (const r of rows) (out[r.stage] ??= perWeek(q.weeks, []))[r.i] = Number(r.n);
  return out;
}

async function mqlsPerWeek(db: Db, q: Query): Promise<number[]> {
  const rows = await db
    .selectFrom('transitions')
    .select([weekOf('at', q.from).as('i'), sql<number>`count(distinct ${contactKey})::int`.as('n')])
    .where('tenant_id', '=', q.tenantId)
    .where('at', '>=', q.from)
    .where('at', '<=', q.now)
    .where(becameMql)
    .groupBy(sql`1`)
    .execute();
  return perWeek(q.weeks, rows);
}

async function timeToMqlDays(db: Db, q: Query): Promise<Results['timeToMqlDays']> {
  const { rows } = await sql<{ i: number; d: number }>`
    with mql as (
      select object_type, contact_id, min(at) as at from transitions
      where tenant_id = ${q.tenantId} and ${becameMql}
      group by object_type, contact_id
      having min(at) >= ${q.from} and min(at) <= ${q.now}
    )
    select ${weekOf('mql.at', q.from)} as i, greatest(0, extract(epoch from (mql.at - min(e.occurred_at))) / 86400)::float8 as d
    from mql join events e on e.tenant_id = ${q.tenantId} and e.object_type = mql.object_type and e.contact_id = mql.contact_id
    group by mql.object_type, mql.contact_id, mql.at`.execute(db);
  const all = rows.map((r) => Number(r.d));
  const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
  const medianPerWeek = Array.from({ length: q.weeks }, (_, w) => round(percentile(rows.filter((r) => Number(r.i) === w).map((r) => Number(r.d)), 0.5)));
  return { median: round(percentile(all, 0.5)), p90: round(percentile(all, 0.9)), n: all.length, medianPerWeek };
}

/** Linear-interpolated percentile, as SQL's `percentile_cont`; null for no values. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}

async function stageProgression(db: Db, q: Query): Promise<Results['progression']> {
  // A contact's first entry into each stage; `later` is the highest stage it entered after that one.
  const { rows } = await sql<{ rank: number; reached: number; progressed: number }>`
    with entered as (
      select object_type, contact_id, array_position(array[${list(STAGES)}], to_stage) as rank, min(at) as at
      from transitions
      where tenant_id = ${q.tenantId} and from_stage is distinct from to_stage and to_stage in (${list(STAGES)})
      group by object_type, contact_id, to_stage
    ), ranked as (
      select rank, at, max(rank) over (partition by object_type, contact_id order by at rows between 1 following and unbounded following) as later
      from entered
    )
    select rank, count(*)::int as reached, (count(*) filter (where later > rank))::int as progressed
    from ranked where at >= ${q.from} and at <= ${q.now}
    group by rank`.execute(db);
  return STAGES.slice(0, -1).map((stage, i) => {
    const r = rows.find((x) => Number(x.rank) === i + 1);
    const reached = Number(r?.reached ?? 0);
    const progressed = Number(r?.progressed ?? 0);
    return { from: stage, to: STAGES[i + 1]!, reached, progressed, rate: rate(progressed, reached) };
  });
}

async function reengagementYield(db: Db, q: Query): Promise<Results['reengagement']> {
  // Each entry into re-engagement and the contact's next track move, with what caused that move.
  const { rows } = await sql<{ part: 'cause' | 'returned' | 'entered'; cause: string | null; n: number }>`
    with moves as (
      select object_type, contact_id, at, to_track,
        lead(to_track) over w as next_track, lead(cause) over w as next_cause
      from transitions
      where tenant_id = ${q.tenantId} and from_track is distinct from to_track
      window w as (partition by object_type, contact_id order by at, id)
    ), entries as (
      select ${contactKey} as contact,
        case when next_track in (${list(RETURN_TRACKS)}) then
          case when next_cause in (${list(signalKindSchema.options)}) then next_cause
               when next_cause in (${list([...ENGAGEMENT_TYPES])}) then 'engagement'
               else 'other' end
        end as cause
      from moves where to_track = 're_engage' and at >= ${q.from} and at <= ${q.now}
    )
    select 'cause' as part, cause, count(distinct contact)::int as n from entries where cause is not null group by cause
    union all
    select 'returned', null, (count(distinct contact) filter (where cause is not null))::int from entries
    union all
    select 'entered', null, count(distinct contact)::int from entries`.execute(db);
  const total = (part: 'returned' | 'entered') => Number(rows.find((r) => r.part === part)?.n ?? 0);
  const entered = total('entered');
  if (entered === 0) return [];
  const byCause = rows.filter((r) => r.part === 'cause').map((r) => ({ cause: r.cause!, returned: Number(r.n) })).sort((a, b) => b.returned - a.returned || a.cause.localeCompare(b.cause));
  return [{ cause: 'all', returned: total('returned') }, ...byCause].map((r) => ({ cause: r.cause, entered, returned: r.returned, rate: rate(r.returned, entered) }));
}

async function tasksPerWeek(db: Db, q: Query): Promise<Results['tasks']> {
  const count = (column: 'created_at' | 'completed_at') =>
    db
      .selectFrom('outbox')
      .select([weekOf(column, q.from).as('i'), sql<number>`count(*)::int`.as('n')])
      .where('tenant_id', '=', q.tenantId)
      .where('kind', '=', 'create_task')
      .where('status', '=', 'sent')
      .where(column, '>=', q.from)
      .where(column, '<=', q.now)
      .groupBy(sql`1`)
      .execute();
  const [created, completed] = await Promise.all([count('created_at'), count('completed_at')]);
  return { created: perWeek(q.weeks, created), completed: perWeek(q.weeks, completed) };
}
