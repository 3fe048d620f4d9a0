import express, { Router } from 'express';
import { sql } from 'kysely';
import { requireAdmin } from '../auth/session';
import type { Enricher } from '../crm/enricher';
import { type EngineEvent, type EngineState, evaluate, type Profile, type ScoringModel, scoringModelSchema } from '../engine';
import { engineHistory, MAX_EVENTS } from '../recompute/history';
import type { Crm } from '../store/tables';
import { modelDiff } from '../models/model-diff';
import type { ModelStore } from '../models/model-store';
import { audit } from '../store/audit';
import type { Db } from '../store/db';
import { formatZodError } from '../validation';

/** How many contacts a preview re-scores under both models: enough to read a threshold change by. */
const PREVIEW_SAMPLE = 2000;

/**
 * The admin API behind model tuning: read the active model, preview a draft on a real contact (current and
 * draft side by side, and how many contacts would cross the threshold), save it as a new version (audited),
 * list versions, roll back. The tenant always comes from the session, never from the request.
 */
export function adminModelRoutes(deps: { db: Db; models: ModelStore; now: () => number; enrichers?: Partial<Record<Crm, Enricher>> }): Router {
  const r = Router();
  r.use('/api/model', requireAdmin, express.json({ limit: '256kb' }));

  r.get('/api/model', async (_req, res) => {
    const active = await deps.models.active(res.locals.tenantId as string);
    res.json(active);
  });

  r.post('/api/model/preview', async (req, res) => {
    const tenantId = res.locals.tenantId as string;
    const draft = scoringModelSchema.safeParse(req.body?.model);
    if (!draft.success) return void res.status(400).json({ error: 'validation_failed', message: formatZodError(draft.error), issues: draft.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    const email = String(req.body?.email ?? '').trim().toLowerCase();
    const current = (await deps.models.active(tenantId)).model;
    const now = new Date(deps.now());
    const state = deps.db.selectFrom('contact_state').select(['object_type', 'contact_id', 'profile', 'result', 'updated_at']).where('tenant_id', '=', tenantId).where('deleted', '=', false);
    const [contact, sample, total, { crm }] = await Promise.all([
      email ? state.where(sql<boolean>`lower(profile->>'email') = ${email}`).orderBy('updated_at', 'desc').executeTakeFirst() : undefined,
      // Both models re-run on the contacts active most recently: a bounded, honest sample of a large portal.
      state.orderBy('updated_at', 'desc').limit(PREVIEW_SAMPLE).execute(),
      deps.db.selectFrom('contact_state').select((eb) => eb.fn.countAll<string>().as('n')).where('tenant_id', '=', tenantId).where('deleted', '=', false).executeTakeFirstOrThrow(),
      deps.db.selectFrom('tenants').select('crm').where('id', '=', tenantId).executeTakeFirstOrThrow(),
    ]);
    const contacts = contact && !sample.some((s) => s.object_type === contact.object_type && s.contact_id === contact.contact_id) ? [...sample, contact] : sample;
    const horizonDays = Math.max(current.horizonDays, draft.data.horizonDays);
    const history = await historiesOf(deps.db, tenantId, contacts, new Date(now.getTime() - horizonDays * 86_400_000), deps.enrichers?.[crm]);
    const score = (model: ScoringModel, s: (typeof contacts)[number]) => {
      const previous = (s.result as { state?: EngineState } | null)?.state;
      const out = evaluate(model, (s.profile as Profile | null) ?? { attributes: {} }, history.get(`${s.object_type}.${s.contact_id}`) ?? [], now, previous);
      return { score: out.score, grade: out.fit.grade, stage: out.stage, track: out.track, reasons: out.reasons.filter((x) => x.kind !== 'track') };
    };
    // How many of the sample each model puts at or over its own threshold, scored afresh under each.
    const over = (m: ScoringModel) => sample.filter((s) => score(m, s).score >= m.mql.threshold).length;
    res.json({
      contact: contact ? { id: contact.contact_id, objectType: contact.object_type, current: score(current, contact), draft: score(draft.data, contact) } : null,
      ...(email && !contact ? { message: `no scored contact with email ${email}` } : {}),
      threshold: { current: current.mql.threshold, draft: draft.data.mql.threshold, contactsOverCurrent: over(current), contactsOverDraft: over(draft.data), contactsScored: sample.length, contactsInAll: Number(total.n) },
    });
  });

  r.put('/api/model', async (req, res) => {
    const tenantId = res.locals.tenantId as string;
    const parsed = scoringModelSchema.safeParse(req.body?.model);
    if (!parsed.success) return void res.status(400).json({ error: 'validation_failed', message: formatZodError(parsed.error), issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    const before = (await deps.models.active(tenantId)).model;
    const version = await deps.db.transaction().execute(async (trx) => {
      const last = await trx.selectFrom('models').select((eb) => eb.fn.max('version').as('v')).where('tenant_id', '=', tenantId).executeTakeFirst();
      const next = Number(last?.v ?? 0) + 1;
      await trx.updateTable('models').set({ active: false }).where('tenant_id', '=', tenantId).execute();
      await trx.insertInto('models').values({ tenant_id: tenantId, version: next, model: JSON.stringify({ ...parsed.data, version: next }), active: true, created_by: String(res.locals.admin) }).execute();
      await audit(trx, { tenantId, actor: res.locals.admin, action: 'model.saved', detail: { version: next, name: parsed.data.name, changes: modelDiff({ ...before, version: undefined }, { ...parsed.data, version: undefined }) } });
      return next;
    });
    res.json({ version });
  });

  r.get('/api/model/versions', async (_req, res) => {
    const rows = await deps.db.selectFrom('models').select(['version', 'active', 'created_by', 'created_at']).where('tenant_id', '=', res.locals.tenantId as string).orderBy('version', 'desc').execute();
    res.json({ versions: rows });
  });

  r.post('/api/model/rollback', async (req, res) => {
    const tenantId = res.locals.tenantId as string;
    const version = Number(req.body?.version);
    const done = await deps.db.transaction().execute(async (trx) => {
      const target = await trx.selectFrom('models').select('version').where('tenant_id', '=', tenantId).where('version', '=', version).executeTakeFirst();
      if (!target) return false;
      await trx.updateTable('models').set({ active: false }).where('tenant_id', '=', tenantId).execute();
      await trx.updateTable('models').set({ active: true }).where('tenant_id', '=', tenantId).where('version', '=', version).execute();
      await audit(trx, { tenantId, actor: res.locals.admin, action: 'model.rolled_back', detail: { version } });
      return true;
    });
    res.status(done ? 200 : 404).json(done ? { version } : { error: 'not_found', message: `no version ${version}` });
  });
  return r;
}

/**
 * The sampled contacts' histories since `since`, one query for all of them, each read as the recompute
 * reads it (`engineHistory`): parsed, its newest `MAX_EVENTS`, enriched twins dropped.
 */
async function historiesOf(db: Db, tenantId: string, contacts: Array<{ object_type: string; contact_id: string }>, since: Date, enricher: Enricher | undefined): Promise<Map<string, EngineEvent[]>> {
  if (contacts.length === 0) return new Map();
  const wanted = new Set(contacts.map((c) => `${c.object_type}.${c.contact_id}`));
  const rows = await db
    .selectFrom('events')
    .select(['object_type', 'contact_id', 'type', 'occurred_at', 'source', 'source_event_id', 'attrs'])
    .where('tenant_id', '=', tenantId)
    .where('contact_id', 'in', [...new Set(contacts.map((c) => c.contact_id))])
    .where('occurred_at', '>=', since)
    .orderBy('occurred_at')
    .orderBy('source')
    .orderBy('source_event_id')
    .execute();
  const byContact = new Map<string, typeof rows>();
  for (const r of rows) {
    const key = `${r.object_type}.${r.contact_id}`;
    if (wanted.has(key)) byContact.set(key, [...(byContact.get(key) ?? []), r]);
  }
  return new Map([...byContact].map(([key, list]) => [key, engineHistory(list.slice(-MAX_EVENTS), enricher)]));
}
