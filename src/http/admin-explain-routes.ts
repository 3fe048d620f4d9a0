import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import { requireAdmin } from '../auth/session';
import type { Db } from '../store/db';

const query = z.object({ q: z.string().trim().min(1, 'give an email or a CRM record id').max(320) });
/** Enough for "why": the latest of each, newest first. */
const LIMIT = 50;

/**
 * "Why did Kindling do that?" for one contact, found by email or CRM id: its current score with every
 * reason, each stage and track change with what caused it, the events Kindling recorded, and each write
 * it made with the CRM's answer. Read-only, tenant-scoped, from Kindling's own tables (no CRM call).
 */
export function adminExplainRoutes(deps: { db: Db }): Router {
  const r = Router();
  r.get('/api/contacts/explain', requireAdmin, async (req, res) => {
    const parsed = query.safeParse(req.query);
    if (!parsed.success) return void res.status(400).json({ error: 'validation_failed', message: parsed.error.issues[0]!.message });
    const tenantId = res.locals.tenantId as string;
    const q = parsed.data.q;
    const contact = await deps.db.selectFrom('contact_state').select(['object_type', 'contact_id', 'profile', 'result', 'model_version', 'updated_at', 'deleted', 'last_error'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => (q.includes('@') ? eb(sql`lower(profile->>'email')`, '=', q.toLowerCase()) : eb('contact_id', '=', q)))
      .orderBy('updated_at', 'desc').limit(1).executeTakeFirst();
    if (!contact) return void res.status(404).json({ error: 'not_found', message: `Kindling has no contact ${q}: it knows a contact once the CRM sends an event about it` });
    const of = <T extends 'transitions' | 'events' | 'outbox'>(table: T) =>
      deps.db.selectFrom(table as 'transitions').where('tenant_id', '=', tenantId).where('object_type', '=', contact.object_type).where('contact_id', '=', contact.contact_id);
    const [transitions, events, writes] = await Promise.all([
      of('transitions').select(['at', 'from_stage', 'to_stage', 'from_track', 'to_track', 'cause']).orderBy('at', 'desc').orderBy('id', 'desc').limit(LIMIT).execute(),
      deps.db.selectFrom('events').select(['occurred_at', 'type', 'source', 'attrs']).where('tenant_id', '=', tenantId).where('object_type', '=', contact.object_type).where('contact_id', '=', contact.contact_id).orderBy('occurred_at', 'desc').limit(LIMIT).execute(),
      deps.db.selectFrom('outbox').select(['created_at', 'updated_at', 'kind', 'status', 'payload', 'attempts', 'last_error', 'result', 'completed_at']).where('tenant_id', '=', tenantId).where('object_type', '=', contact.object_type).where('contact_id', '=', contact.contact_id).orderBy('id', 'desc').limit(LIMIT).execute(),
    ]);
    res.set('Cache-Control', 'no-store').json({
      contact: { objectType: contact.object_type, id: contact.contact_id, profile: contact.profile, deleted: contact.deleted, modelVersion: contact.model_version, lastError: contact.last_error },
      result: contact.result,
      transitions,
      events,
      writes,
    });
  });
  return r;
}
