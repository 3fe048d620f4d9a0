import { Router } from 'express';
import type { Portal } from '../state';
import { hubspotError } from './errors';

/** HubSpot-defined association type "contact to task" (the inverse of task → contact, 204). */
const CONTACT_TO_TASK = 203;

/** Associations v4: a contact's associated tasks, paged like HubSpot (`after` cursor, `limit` up to 500). */
export function hubspotAssociationRoutes(): Router {
  const r = Router();
  r.get('/crm/v4/objects/:object/:id/associations/:to', (req, res) => {
    const p = res.locals.portal as Portal;
    if (req.params.object !== 'contacts' || req.params.to !== 'tasks') return hubspotError(res, 400, 'VALIDATION_ERROR', `the sandbox lists contact → task associations only`);
    if (!p.contacts.has(req.params.id)) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', `contact ${req.params.id} not found`);
    const limit = Math.min(500, Number(req.query.limit ?? 500) || 500);
    const after = Number(req.query.after ?? 0) || 0;
    const all = [...p.tasks.values()].filter((t) => t.associations?.some((a) => a.toId === req.params.id));
    const page = all.slice(after, after + limit).map((t) => ({ toObjectId: t.id, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: CONTACT_TO_TASK, label: null }] }));
    res.json({ results: page, ...(after + limit < all.length ? { paging: { next: { after: String(after + limit), link: '' } } } : {}) });
  });
  return r;
}
