import express, { Router } from 'express';
import { requireAdmin } from '../auth/session';
import { type EngineState, engineEventSchema, evaluate, type Profile, type ScoringModel, scoringModelSchema } from '../engine';
import { modelDiff } from '../models/model-diff';
import type { ModelStore } from '../models/model-store';
import { audit } from '../store/audit';
import type { Db } from '../store/db';
import { formatZodError } from '../validation';

/**
 * The admin API behind model tuning: read the active model, preview a draft on a real contact (current and
 * draft side by side, and how many contacts would cross the threshold), save it as a new version (audited),
 * list versions, roll back. The tenant always comes from the session, never from the request.
 */
export function adminModelRoutes(deps: { db: Db; models: ModelStore; now: () => number }): Router {
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
    const states = await deps.db.selectFrom('contact_state').select(['object_type', 'contact_id', 'profile', 'result']).where('tenant_id', '=', tenantId).where('deleted', '=', false).limit(5000).execute();
    const contact = email ? states.find((s) => String((s.profile as Profile | null)?.email ?? '').toLowerCase() === email) : undefined;
    const score = async (model: ScoringModel, s: (typeof states)[number]) => {
      const events = await deps.db.selectFrom('events').select(['type', 'occurred_at', 'source', 'source_event_id', 'attrs']).where('tenant_id', '=', tenantId).where('object_type', '=', s.object_type).where('contact_id', '=', s.contact_id).execute();
      const parsed = events.flatMap((e) => {
        const p = engineEventSchema.safeParse({ type: e.type, occurredAt: e.occurred_at, source: e.source, sourceEventId: e.source_event_id, attrs: e.attrs ?? {} });
        return p.success ? [p.data] : [];
      });
      const previous = (s.result as { state?: EngineState } | null)?.state;
      const out = evaluate(model, (s.profile as Profile | null) ?? { attributes: {} }, parsed, now, previous);
      return { score: out.score, grade: out.fit.grade, stage: out.stage, track: out.track, reasons: out.reasons.filter((x) => x.kind !== 'track') };
    };
    // How many contacts each model puts at or over its own threshold, on what Kindling already knows of them.
    const over = (m: ScoringModel) => states.filter((s) => ((s.result as { score?: number } | null)?.score ?? -Infinity) >= m.mql.threshold).length;
    res.json({
      contact: contact ? { id: contact.contact_id, objectType: contact.object_type, current: await score(current, contact), draft: await score(draft.data, contact) } : null,
      ...(email && !contact ? { message: `no scored contact with email ${email}` } : {}),
      threshold: { current: current.mql.threshold, draft: draft.data.mql.threshold, contactsOverCurrent: over(current), contactsOverDraft: over(draft.data) },
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
