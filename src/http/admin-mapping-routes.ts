import express, { Router } from 'express';
import { z } from 'zod';
import { requireAdmin } from '../auth/session';
import type { CrmConnector, CrmProperty, FieldMapping, NurtureTarget, ObjectType } from '../crm/connector';
import { STAGES, TRACKS } from '../engine';
import type { Db } from '../store/db';
import type { Crm, Tenant } from '../store/tables';
import { saveSettings } from '../store/tenant-settings';
import { adminTenant, crmListCache, type FieldIssue, fieldIssues, refuse } from './admin-context';

/** What each canonical field needs of the CRM property it is mapped to. */
const EXPECTED: Record<string, CrmProperty['type']> = {
  companySize: 'number', unsubscribed: 'bool', score: 'number', fitScore: 'number', engagementScore: 'number', scoredAt: 'datetime',
};
const expected = (field: string): CrmProperty['type'] => EXPECTED[field] ?? 'text';
const COMPATIBLE: Record<CrmProperty['type'], CrmProperty['type'][]> = { number: ['number'], text: ['text'], bool: ['bool', 'text'], datetime: ['datetime'] };
/** The stage field is read and written as a stage, through the stage-value mapping, not as a plain field. */
const STAGE_FIELDS = new Set(['stage', 'lifecycleStage']);
/** Tracks that send a contact somewhere; `handoff` makes a task and `suppressed` sends nothing. */
const MAPPABLE_TRACKS = TRACKS.filter((t) => t !== 'handoff' && t !== 'suppressed');
/** Kindling's stages as the CRM holds them, and the value it writes when a contact is disqualified. */
const MAPPED_STAGES = [...STAGES, 'disqualified'] as const;

const fieldBody = z.object({
  objectType: z.enum(['contact', 'lead']).optional(),
  profile: z.record(z.string(), z.string()).default({}),
  outputs: z.record(z.string(), z.string()).default({}),
  stages: z.partialRecord(z.enum(MAPPED_STAGES), z.string().min(1)).default({}),
});
const trackBody = z.object({ tracks: z.partialRecord(z.enum(MAPPABLE_TRACKS as [string, ...string[]]), z.string().nullable()) });


/**
 * Mapping for the setup screen, the same for every CRM: each record type's canonical fields and Kindling's
 * outputs against the account's live field list, its stage values against the CRM's picklist, and each
 * nurture track against the account's sequences, cadences or campaigns. What the CRM has is read once per
 * five minutes per tenant, never per record; every save is audited.
 */
export function adminMappingRoutes(deps: { db: Db; connectors: Partial<Record<Crm, CrmConnector>> }): Router {
  const r = Router();
  const cached = crmListCache();
  const properties = (c: CrmConnector, t: Tenant, o: ObjectType, fresh = false) => cached(`${t.id}:props:${o}`, () => c.listProperties(t, o), fresh);
  const stageValues = (c: CrmConnector, t: Tenant, o: ObjectType, fresh = false) => cached(`${t.id}:stages:${o}`, () => c.listStageValues(t, o), fresh);
  const targets = (c: CrmConnector, t: Tenant, fresh = false) => cached(`${t.id}:targets`, () => c.listNurtureTargets(t), fresh);
  r.use('/api/mappings', requireAdmin, express.json({ limit: '64kb' }));

  r.get('/api/mappings', async (_req, res) => {
    const { tenant, connector } = await adminTenant(deps.db, deps.connectors, res);
    const settings = tenant.settings as Record<string, unknown>;
    const objects = await Promise.all(connector.mappedObjects.map(async ({ objectType, label }) => {
      const m = connector.fieldMapping(settings, objectType);
      const rows = (kind: 'profile' | 'outputs') => Object.entries(m[kind]).filter(([f]) => !STAGE_FIELDS.has(f)).map(([field, property]) => ({ kind, field, property, expects: expected(field) }));
      return {
        objectType, label, stageProperty: m.outputs.stage ?? null,
        fields: [...rows('profile'), ...rows('outputs')],
        properties: await properties(connector, tenant, objectType),
        stages: MAPPED_STAGES.map((stage) => ({ stage, value: m.stages[stage] ?? null })),
        stageValues: await stageValues(connector, tenant, objectType),
      };
    }));
    const mapped = connector.trackTargets(settings);
    res.json({
      crm: tenant.crm, objects,
      tracks: MAPPABLE_TRACKS.map((track) => ({ track, target: mapped[track] ?? null })),
      targets: (await targets(connector, tenant)).map(({ id, label, kind }) => ({ id, label, kind })),
    });
  });

  r.put('/api/mappings', async (req, res) => {
    const body = fieldBody.safeParse(req.body);
    if (!body.success) return void refuse(res, fieldIssues(body.error), 'Send profile and outputs as Kindling field → CRM field names, and stages as Kindling stage → CRM value.');
    const { tenant, connector } = await adminTenant(deps.db, deps.connectors, res);
    const object = connector.mappedObjects.find((o) => o.objectType === (body.data.objectType ?? connector.mappedObjects[0]!.objectType));
    if (!object) return void refuse(res, [{ field: 'objectType', message: `this CRM maps ${connector.mappedObjects.map((o) => o.label).join(' and ')}` }]);
    const issues = checkFields(body.data, await properties(connector, tenant, object.objectType, true), object.label);
    const allowed = await stageValues(connector, tenant, object.objectType, true);
    for (const [stage, value] of Object.entries(body.data.stages)) {
      if (allowed && !allowed.some((v) => v.value === value)) issues.push({ field: `stage.${stage}`, message: `"${value}" is not one of the CRM's values for this field (${allowed.map((v) => v.value).join(', ')})` });
    }
    if (issues.length > 0) return void refuse(res, issues);
    const patch: Partial<FieldMapping> = { profile: body.data.profile, outputs: body.data.outputs, stages: body.data.stages as Record<string, string> };
    // Cached profiles were read through the old mapping: read them again at the next recompute.
    await saveSettings(deps.db, { tenantId: tenant.id, actor: res.locals.admin, action: 'mapping.saved', detail: { objectType: object.objectType, ...patch } }, (now) => connector.withFieldMapping(now, object.objectType, patch), (trx) =>
      trx.updateTable('contact_state').set({ profile_fetched_at: null }).where('tenant_id', '=', tenant.id).execute().then(() => undefined));
    res.json({ saved: true });
  });

  r.put('/api/mappings/tracks', async (req, res) => {
    const body = trackBody.safeParse(req.body);
    if (!body.success) return void refuse(res, fieldIssues(body.error), `Only the ${MAPPABLE_TRACKS.join(', ')} tracks can be sent somewhere; each takes a target id, or null.`);
    const { tenant, connector } = await adminTenant(deps.db, deps.connectors, res);
    const available = await targets(connector, tenant, true);
    const chosen: Record<string, NurtureTarget | null> = {};
    const issues: FieldIssue[] = [];
    for (const [track, id] of Object.entries(body.data.tracks)) {
      const target = id === null || id === undefined ? null : available.find((t) => t.id === id);
      if (target === undefined) issues.push({ field: track, message: `no sequence, cadence or campaign "${id}" in this account` });
      else chosen[track] = target;
    }
    if (issues.length > 0) return void refuse(res, issues);
    await saveSettings(deps.db, { tenantId: tenant.id, actor: res.locals.admin, action: 'tracks.saved', detail: body.data.tracks }, (now) => connector.withTrackTargets(now, chosen));
    res.json({ saved: true });
  });
  return r;
}

function checkFields(body: { profile: Record<string, string>; outputs: Record<string, string> }, properties: CrmProperty[], objectLabel: string): FieldIssue[] {
  const byName = new Map(properties.map((p) => [p.name, p]));
  const issues: FieldIssue[] = [];
  const outputs = new Set(Object.keys(body.outputs));
  for (const [field, property] of [...Object.entries(body.profile), ...Object.entries(body.outputs)]) {
    const p = byName.get(property);
    if (STAGE_FIELDS.has(field)) issues.push({ field, message: 'the stage field is mapped through its stage values' });
    else if (!p) issues.push({ field, message: `${objectLabel} have no field "${property}"` });
    else if (!COMPATIBLE[expected(field)].includes(p.type)) issues.push({ field, message: `"${p.label}" holds ${p.type} values; ${field} needs ${expected(field)}` });
    else if (outputs.has(field) && !p.writable) issues.push({ field, message: `"${p.label}" is computed or locked by the CRM; Kindling cannot write ${field} there` });
  }
  return issues;
}
