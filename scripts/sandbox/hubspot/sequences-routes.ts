import { Router } from 'express';
import type { Portal } from '../state';
import { token } from '../state';
import { hubspotError, validationError } from './errors';
import { enrollmentLiteSchema, enrollmentSchema, sequenceEnrollmentSchema, sequenceListSchema } from './schemas';

/** Automation v4 sequences: list, enroll (userId required), a contact's enrollment. */
export function hubspotSequenceRoutes(): Router {
  const r = Router();
  const portalOf = (res: { locals: Record<string, unknown> }) => res.locals.portal as Portal;

  r.get('/automation/v4/sequences', (req, res) => {
    if (!req.query.userId) return hubspotError(res, 400, 'VALIDATION_ERROR', 'userId is required');
    res.json(sequenceListSchema.parse({ total: portalOf(res).sequences.length, results: portalOf(res).sequences.map((s) => ({ id: s.id, name: s.name, userId: s.userId, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' })) }));
  });

  r.post('/automation/v4/sequences/enrollments', (req, res) => {
    const p = portalOf(res);
    const userId = String(req.query.userId ?? '');
    const user = p.users.find((u) => String(u.id) === userId);
    if (!user) return hubspotError(res, 400, 'VALIDATION_ERROR', 'userId must be a user with a Sales Hub or Service Hub seat');
    const parsed = sequenceEnrollmentSchema.safeParse(req.body);
    if (!parsed.success) return validationError(res, parsed.error);
    const seq = p.sequences.find((s) => s.id === parsed.data.sequenceId);
    if (!seq) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', `sequence ${parsed.data.sequenceId} not found`);
    if (!p.contacts.has(parsed.data.contactId)) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', `contact ${parsed.data.contactId} not found`);
    // HubSpot: a contact is in at most one sequence at a time.
    if (p.enrollments.some((e) => e.contactId === parsed.data.contactId)) return hubspotError(res, 400, 'VALIDATION_ERROR', 'Contact is already enrolled in a sequence');
    const e = { id: token('enr'), contactId: parsed.data.contactId, sequenceId: seq.id, senderEmail: parsed.data.senderEmail, userId, enrolledAt: new Date().toISOString() };
    p.enrollments.push(e);
    res.json(enrollmentLiteSchema.parse({ id: e.id, toEmail: p.contacts.get(e.contactId)!.properties.email ?? '', enrolledAt: e.enrolledAt, updatedAt: e.enrolledAt }));
  });

  r.get('/automation/v4/sequences/enrollments/contact/:contactId', (req, res) => {
    const e = portalOf(res).enrollments.find((x) => x.contactId === req.params.contactId);
    if (!e) return hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'no enrollment for this contact');
    const p = portalOf(res);
    const seq = p.sequences.find((s) => s.id === e.sequenceId)!;
    const by = p.users.find((u) => String(u.id) === e.userId);
    res.json(enrollmentSchema.parse({ id: e.id, toEmail: p.contacts.get(e.contactId)?.properties.email ?? '', enrolledAt: e.enrolledAt, updatedAt: e.enrolledAt, sequenceId: seq.id, sequenceName: seq.name, enrolledBy: e.userId, enrolledByEmail: by?.email ?? '' }));
  });
  return r;
}
