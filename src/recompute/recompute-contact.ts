import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { type EngineResult, type EngineState, engineStateSchema, evaluate, type Profile } from '../engine';
import type { Logger } from '../log';
import type { ModelStore } from '../models/model-store';
import type { RecomputeJob } from '../queue/recompute-queue';
import type { RecomputeFn } from '../queue/recompute-worker';
import type { Db } from '../store/db';
import type { OutboxKind } from '../store/tables';
import type { ReadProfiles } from './profiles';
import type { Enricher } from '../crm/enricher';
import { engineHistory, MAX_EVENTS } from './history';
import type { InboundEvent } from '../ingest/inbound';
import type { Tenant } from '../store/tables';
import { transitionOf } from './transition';

export interface RecomputeDeps {
  db: Db;
  models: ModelStore;
  readProfiles?: ReadProfiles;
  /** Called after outbox rows were committed for the tenant (queues its writer). */
  afterOutbox: (tenantId: string) => Promise<void>;
  /** Schedules the contact's wake-up for when time alone changes its result, replacing the earlier one. */
  scheduleWake: (job: RecomputeJob, at: Date | undefined, previous: Date | undefined) => Promise<void>;
  now: () => Date;
  /** A cached profile older than this is read again from the CRM. */
  profileTtlMs?: number;
  /** Per-event detail from the CRM where the account has it (HubSpot's Events API), by CRM. */
  enrichers?: Partial<Record<Tenant['crm'], Enricher>>;
  /** The most ledger rows one recompute reads, newest first; default `MAX_EVENTS`. */
  maxEvents?: number;
}

/** How far before the last enriched event the next fetch starts: the Events API lists some events late. */
const ENRICH_OVERLAP_MS = 86_400_000;

/** What Kindling keeps of the engine's result for a contact: enough to explain it and to diff the next. */
export interface StoredResult {
  score: number;
  grade: string;
  fitScore: number;
  engagementScore: number;
  stage: string;
  track: string;
  reasons: EngineResult['reasons'];
  state: EngineState;
  evaluatedAt: string;
  /** The newest ledger row this result saw: rows past it are what the next result is news about. */
  seenEventId?: number;
}

/**
 * Actions keyed by the handoff alone, not by the contact: a handoff's id names its triggering event,
 * which is unique per tenant and moves with a merge, so the survivor's run finds the task already there.
 */
const PER_HANDOFF: ReadonlySet<OutboxKind> = new Set(['create_task', 'notify']);

/**
 * Recomputes one contact: profile (cached, else read from the CRM), its events inside the model's
 * horizon, the engine, and a diff against what Kindling last wrote. The new state, the outbox rows and,
 * when the stage or track moved, a transition row commit in one transaction, under a lock on the
 * contact's row, so two runs for one contact serialise and an action's idempotency key makes a retried
 * run harmless. No change, no outbox row.
 */
export function createRecompute(deps: RecomputeDeps): RecomputeFn {
  const ttl = deps.profileTtlMs ?? 10 * 60_000;
  // Per tenant: the Events API probe in flight, resolving to whether the account has the API.
  const probes = new Map<string, Promise<boolean>>();
  return async (job, log) => {
    // The tenant with its active model version, in one read: the model store then needs no query of its own.
    const tenant = await deps.db
      .selectFrom('tenants')
      .selectAll()
      .select((eb) => eb.selectFrom('models').select('version').whereRef('models.tenant_id', '=', 'tenants.id').where('models.active', '=', true).as('active_model_version'))
      .where('id', '=', job.tenantId)
      .executeTakeFirst();
    // The contact's rows, in contact_state and in the ledger alike.
    const contact = { tenant_id: job.tenantId, object_type: job.objectType, contact_id: job.contactId };
    const row = await deps.db.selectFrom('contact_state').select(['profile', 'profile_fetched_at', 'deleted', 'dirty_seq']).where((eb) => eb.and(contact)).executeTakeFirst();
    if (!tenant || tenant.status !== 'active' || !row || row.deleted) {
      // Nothing is owed for it any more, timer included, so neither its timer nor the sweeper brings it
      // back. A reinstall makes the tenant's contacts owed again (`upsertInstalledTenant`).
      if (row) await deps.db.updateTable('contact_state').set((eb) => ({ processed_seq: eb.ref('dirty_seq'), next_wake_at: null })).where((eb) => eb.and(contact)).execute();
      return;
    }
    const now = deps.now();
    let profile = (row.profile as Profile | null) ?? undefined;
    let fetched = false;
    if (deps.readProfiles && (!profile || !row.profile_fetched_at || now.getTime() - new Date(row.profile_fetched_at).getTime() > ttl)) {
      const read = await deps.readProfiles(tenant, job.objectType, [job.contactId]);
      profile = read.get(job.contactId) ?? profile;
      fetched = true;
    }
    profile ??= { attributes: {} };
    const { model, version } = await deps.models.active(tenant.id, tenant.active_model_version ?? null);
    const enrichment = await enrich(deps, probes, tenant, job, now, model.horizonDays, log);

    const outcome = await deps.db.transaction().execute(async (trx) => {
      const locked = await trx.selectFrom('contact_state').select(['dirty_seq', 'result', 'written', 'next_wake_at']).where((eb) => eb.and(contact)).forUpdate().executeTakeFirstOrThrow();
      const seq = Number(locked.dirty_seq);
      // Enriched events join the ledger first, so the contact's history is read once, with them.
      if (enrichment.length > 0) {
        await trx.insertInto('events').values(enrichment.map((e) => ({ ...contact, type: e.type, occurred_at: e.occurredAt, source: e.source, source_event_id: e.sourceEventId, attrs: JSON.stringify(e.attrs) }))).onConflict((oc) => oc.doNothing()).execute();
      }
      const since = new Date(now.getTime() - model.horizonDays * 86_400_000);
      // The newest rows when there are more than the cap, handed to the engine in ledger order.
      const rows = (
        await trx
          .selectFrom('events')
          .select(['id', 'type', 'occurred_at', 'source', 'source_event_id', 'attrs'])
          .where((eb) => eb.and(contact))
          .where('occurred_at', '>=', since)
          .orderBy('occurred_at', 'desc')
          .orderBy('source', 'desc')
          .orderBy('source_event_id', 'desc')
          .limit(deps.maxEvents ?? MAX_EVENTS)
          .execute()
      ).reverse();
      const events = engineHistory(rows, deps.enrichers?.[tenant.crm], log);
      const stored = locked.result as StoredResult | null;
      const previous = stored ? engineStateSchema.safeParse(stored.state).data : undefined;
      const result = evaluate(model, profile!, events, now, previous);

      const written = (locked.written ?? {}) as Record<string, unknown>;
      const outbox: Array<{ kind: OutboxKind; key: string; payload: Record<string, unknown> }> = [];
      const nextWritten = { ...written };
      for (const action of result.actions) {
        if (action.kind === 'set_properties') {
          const changed = Object.fromEntries(Object.entries(action.properties).filter(([k, v]) => written[k] !== v));
          if (Object.keys(changed).length === 0) continue;
          Object.assign(nextWritten, changed);
          // Writes are deduplicated by the diff above; the key only has to be unique.
          outbox.push({ kind: 'set_properties', key: `props:${job.objectType}:${job.contactId}:${randomUUID()}`, payload: { properties: { ...changed, scoredAt: now.toISOString() } } });
        } else {
          const { kind, idempotencyKey, ...payload } = action;
          const key = PER_HANDOFF.has(kind) ? `${kind}:${idempotencyKey}` : `${kind}:${job.objectType}:${job.contactId}:${idempotencyKey}`;
          outbox.push({ kind, key, payload: jsonable(payload) });
        }
      }

      let inserted = 0;
      if (outbox.length > 0) {
        // Dated by the recompute's clock, as transitions are: the results charts count tasks by week of it.
        const res = await trx
          .insertInto('outbox')
          .values(outbox.map((o) => ({ tenant_id: tenant.id, object_type: job.objectType, contact_id: job.contactId, kind: o.kind, payload: JSON.stringify(o.payload), idempotency_key: o.key, status: 'pending' as const, last_error: null, result: null, created_at: now, updated_at: now })))
          // The same action from a retried or concurrent run is the row already there.
          .onConflict((oc) => oc.columns(['tenant_id', 'idempotency_key']).doNothing())
          .returning('id')
          .execute();
        inserted = res.length;
      }
      const seenBefore = stored?.seenEventId ?? 0;
      const storedNext: StoredResult = {
        score: result.score, grade: result.fit.grade, fitScore: Math.round(result.fit.points), engagementScore: Math.round(result.engagement.points),
        stage: result.stage, track: result.track, reasons: result.reasons, state: result.state, evaluatedAt: now.toISOString(),
        seenEventId: rows.reduce((max, r) => Math.max(max, r.id), seenBefore),
      };
      // History for the results charts: one row per change of stage or track, never per recompute.
      const change = transitionOf(stored, result, rows.filter((r) => r.id > seenBefore), now);
      if (change) await trx.insertInto('transitions').values({ ...contact, at: now, ...change }).execute();
      await trx
        .updateTable('contact_state')
        .set({
          result: JSON.stringify(storedNext),
          written: JSON.stringify(nextWritten),
          processed_seq: seq,
          // A run that got this far succeeded: the contact's count of failures in a row starts over.
          failures: 0,
          last_error: null,
          model_version: version,
          next_wake_at: result.nextWakeAt ?? null,
          updated_at: now,
          ...(fetched ? { profile: JSON.stringify(profile), profile_fetched_at: now } : {}),
        })
        .where((eb) => eb.and(contact))
        .execute();
      return { inserted, result, previousWake: locked.next_wake_at ? new Date(locked.next_wake_at) : undefined };
    });

    await deps.scheduleWake(job, outcome.result.nextWakeAt, outcome.previousWake);
    if (outcome.inserted > 0) await deps.afterOutbox(tenant.id);
    log.debug('recompute.done', { score: outcome.result.score, track: outcome.result.track, outbox: outcome.inserted });
  };
}

/**
 * Events the CRM lists in more detail than its webhooks (HubSpot's Events API), fetched into the ledger
 * since the last it gave, less a day of overlap (or the horizon). Whether the account has that API is
 * learned from a fetch and kept in the tenant's settings (a missing API for a day). While it is not
 * known, one job per tenant probes and the jobs started meanwhile wait for its answer: a worker starting
 * 64 jobs must not send 64 probes, nor record the answer 64 times.
 */
async function enrich(deps: RecomputeDeps, probes: Map<string, Promise<boolean>>, tenant: Tenant, job: RecomputeJob, now: Date, horizonDays: number, log: Logger): Promise<InboundEvent[]> {
  const enricher = deps.enrichers?.[tenant.crm];
  if (!enricher || job.cause !== 'event') return [];
  const e = (tenant.settings as { enrichment?: { eventsApi?: string; checkedAt?: string } } | null)?.enrichment;
  if (e?.eventsApi === 'unavailable' && e.checkedAt && now.getTime() - Date.parse(e.checkedAt) < 86_400_000) return [];
  const unknown = e?.eventsApi !== 'available';
  const probing = unknown ? probes.get(tenant.id) : undefined;
  if (probing && !(await probing)) return [];
  const fetching = (async () => {
    const last = await deps.db.selectFrom('events').select((eb) => eb.fn.max('occurred_at').as('at')).where('tenant_id', '=', tenant.id).where('contact_id', '=', job.contactId).where('source', '=', enricher.source).executeTakeFirst();
    // A day of overlap: the Events API lists some events late, and the ledger's dedupe keys make repeats free.
    const since = last?.at ? new Date(new Date(last.at).getTime() - ENRICH_OVERLAP_MS) : new Date(now.getTime() - horizonDays * 86_400_000);
    return enricher.fetch(tenant, job.contactId, since);
  })();
  // This job probes (registered before anything it awaits), or it learned the answer from the probe.
  const probe = unknown && !probing;
  if (probe) probes.set(tenant.id, fetching.then((r) => !('unavailable' in r), () => false));
  try {
    const r = await fetching;
    const eventsApi = 'unavailable' in r ? 'unavailable' : 'available';
    const learned = probe || (!unknown && eventsApi === 'unavailable'); // first answer, or the account lost the API
    if (learned) {
      const enrichment = { eventsApi, checkedAt: now.toISOString(), ...('unavailable' in r ? { reason: r.unavailable } : {}) };
      // Only this key, merged in SQL: the settings read at the job's start may be older than a mapping the admin saved since.
      await deps.db.updateTable('tenants').set({ settings: sql`settings || jsonb_build_object('enrichment', ${JSON.stringify(enrichment)}::jsonb)` }).where('id', '=', tenant.id).execute();
      log.info('enrichment.detected', { tenantId: tenant.id, eventsApi });
    }
    return 'events' in r ? r.events : [];
  } finally {
    if (probe) probes.delete(tenant.id);
  }
}

function jsonable(payload: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
}
