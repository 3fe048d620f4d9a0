import { Router } from 'express';
import { verifyHubSpotSignature } from '../crm/hubspot/signature';
import { renderReasons, shortDate } from '../engine';
import type { StoredResult } from '../recompute/recompute-contact';
import type { Db } from '../store/db';

export interface CardDeps {
  db: Db;
  clientSecret: string;
  publicUrl: string;
  now: () => number;
}

/**
 * `GET /api/card/hubspot`: the data fetch behind Kindling's CRM card on a contact record. HubSpot calls
 * it signed (v3, over method + full URL + empty body + timestamp) with `portalId` and
 * `associatedObjectId`; the answer is the card's `results`: score and grade, stage and track, the reasons,
 * the latest signals and the open Kindling task. Only an installed portal's own contacts are readable.
 */
export function hubspotCardRoutes(deps: CardDeps): Router {
  const r = Router();
  r.get('/api/card/hubspot', async (req, res) => {
    const check = verifyHubSpotSignature({ method: 'GET', uri: deps.publicUrl + req.originalUrl, rawBody: Buffer.alloc(0), headers: req.headers }, { clientSecret: deps.clientSecret, now: deps.now() });
    if (!check.ok) {
      res.status(401).json({ error: 'signature_invalid', message: check.reason });
      return;
    }
    const portalId = String(req.query.portalId ?? '');
    const contactId = String(req.query.associatedObjectId ?? '');
    const tenant = await deps.db.selectFrom('tenants').select(['id']).where('crm', '=', 'hubspot').where('account_id', '=', portalId).where('status', '=', 'active').executeTakeFirst();
    if (!tenant || !/^\d+$/.test(contactId)) {
      res.status(404).json({ error: 'not_found', message: 'no Kindling data for this record' });
      return;
    }
    res.locals.tenantId = tenant.id;
    const state = await deps.db.selectFrom('contact_state').select(['result']).where('tenant_id', '=', tenant.id).where('object_type', '=', 'contact').where('contact_id', '=', contactId).executeTakeFirst();
    const result = state?.result as StoredResult | null | undefined;
    if (!result) {
      res.json({ results: [{ objectId: Number(contactId), title: 'Not scored yet', properties: [{ label: 'Status', dataType: 'STRING', value: 'Kindling scores this contact at its next activity' }] }] });
      return;
    }
    const signals = await deps.db.selectFrom('events').select(['occurred_at', 'attrs']).where('tenant_id', '=', tenant.id).where('object_type', '=', 'contact').where('contact_id', '=', contactId).where('type', '=', 'signal').orderBy('occurred_at', 'desc').limit(5).execute();
    // Open: the rep has not completed it in the CRM (the completion poller records when they do).
    const task = await deps.db.selectFrom('outbox').select(['payload', 'result', 'status']).where('tenant_id', '=', tenant.id).where('contact_id', '=', contactId).where('kind', '=', 'create_task').where('completed_at', 'is', null).orderBy('id', 'desc').executeTakeFirst();
    const taskLine = task ? `${(task.payload as { subject?: string }).subject ?? 'Kindling task'}${task.status === 'sent' ? '' : ` (${task.status})`}` : 'none';
    res.json({
      results: [
        {
          objectId: Number(contactId),
          title: `Score ${result.score} · fit ${result.grade}`,
          properties: [
            { label: 'Score', dataType: 'NUMERIC', value: result.score },
            { label: 'Fit grade', dataType: 'STRING', value: result.grade },
            { label: 'Stage', dataType: 'STRING', value: result.stage },
            { label: 'Nurture track', dataType: 'STATUS', value: result.track.replace('_', '-'), optionType: result.track === 'handoff' ? 'SUCCESS' : result.track === 'suppressed' ? 'DANGER' : 'INFO' },
            { label: 'Why', dataType: 'STRING', value: renderReasons(result.reasons) || 'no scored activity yet' },
            { label: 'Open Kindling task', dataType: 'STRING', value: taskLine },
          ],
        },
        ...signals.map((s, i) => {
          const a = s.attrs as { kind?: string; detail?: string; strength?: number };
          return { objectId: Number(contactId) * 100 + i + 1, title: `${shortDate(new Date(s.occurred_at))} · ${(a.kind ?? 'signal').replace(/_/g, ' ')}`, properties: [{ label: 'Detail', dataType: 'STRING', value: a.detail ?? '' }, { label: 'Strength', dataType: 'NUMERIC', value: a.strength ?? 1 }] };
        }),
      ],
    });
  });
  return r;
}
