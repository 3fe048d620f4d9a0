import express, { Router } from 'express';
import { z } from 'zod';
import { requireAdmin } from '../auth/session';
import type { CrmConnector, CrmProperty } from '../crm/connector';
import { hubspotFields } from '../crm/hubspot/fields';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';

/** What each canonical field needs of the CRM property it is mapped to. */
const EXPECTED: Record<string, CrmProperty['type']> = {
  companySize: 'number', unsubscribed: 'bool', score: 'number', fitScore: 'number', engagementScore: 'number', scoredAt: 'datetime',
};
const expected = (field: string): CrmProperty['type'] => EXPECTED[field] ?? 'text';
const COMPATIBLE: Record<CrmProperty['type'], CrmProperty['type'][]> = { number: ['number'], text: ['text'], bool: ['bool', 'text'], datetime: ['datetime'] };

const mappingBody = z.object({ profile: z.record(z.string(), z.string()).default({}), outputs: z.record(z.string(), z.string()).default({}) });
const TTL_MS = 5 * 60_000;

/**
 * Field mapping for the setup screen: each canonical field and each Kindling output against the account's
 * live property list (read once per five minutes per tenant, never per record), with type compatibility
 * checked and a message per field that cannot work. HubSpot contacts today; Salesforce mappings are still
 * edited in `mappings/salesforce/fields.json`.
 */
export function adminMappingRoutes(deps: { db: Db; connectors: Partial<Record<Crm, CrmConnector>> }): Router {
  const r = Router();
  const cache = new Map<string, { at: number; properties: CrmProperty[] }>();
  const load = async (tenantId: string) => {
    const tenant = await deps.db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirstOrThrow();
    const hit = cache.get(tenantId);
    const connector = deps.connectors[tenant.crm];
    const properties = hit && Date.now() - hit.at < TTL_MS ? hit.properties : connector ? await connector.listProperties(tenant, 'contact') : [];
    cache.set(tenantId, { at: Date.now(), properties });
    return { tenant, properties };
  };
  r.use('/api/mappings', requireAdmin, express.json({ limit: '64kb' }));

  r.get('/api/mappings', async (_req, res) => {
    const { tenant, properties } = await load(res.locals.tenantId as string);
    if (tenant.crm !== 'hubspot') return void res.json({ crm: tenant.crm, editable: false, message: 'Salesforce field mappings are edited in mappings/salesforce/fields.json for now' });
    const m = hubspotFields(tenant.settings as Record<string, unknown>);
    const rows = (kind: 'profile' | 'outputs') => Object.entries(m[kind]).filter(([f]) => f !== 'stage' && f !== 'lifecycleStage').map(([field, property]) => ({ kind, field, property, expects: expected(field) }));
    res.json({ crm: tenant.crm, editable: true, fields: [...rows('profile'), ...rows('outputs')], properties });
  });

  r.put('/api/mappings', async (req, res) => {
    const tenantId = res.locals.tenantId as string;
    const body = mappingBody.safeParse(req.body);
    if (!body.success) return void res.status(400).json({ error: 'validation_failed', message: 'profile and outputs must map field names to property names' });
    const { tenant, properties } = await load(tenantId);
    if (tenant.crm !== 'hubspot') return void res.status(409).json({ error: 'not_editable', message: 'Salesforce field mappings are edited in mappings/salesforce/fields.json for now' });
    const byName = new Map(properties.map((p) => [p.name, p]));
    const issues: Array<{ field: string; message: string }> = [];
    for (const [field, property] of [...Object.entries(body.data.profile), ...Object.entries(body.data.outputs)]) {
      const p = byName.get(property);
      if (!p) issues.push({ field, message: `HubSpot has no contact property "${property}"` });
      else if (!COMPATIBLE[expected(field)].includes(p.type)) issues.push({ field, message: `"${p.label}" holds ${p.type} values; ${field} needs ${expected(field)}` });
    }
    if (issues.length > 0) return void res.status(400).json({ error: 'validation_failed', message: issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues });
    const settings = (tenant.settings ?? {}) as Record<string, unknown>;
    const fields = (settings.fields ?? {}) as { profile?: Record<string, string>; outputs?: Record<string, string> };
    const next = { ...settings, fields: { ...fields, profile: { ...fields.profile, ...body.data.profile }, outputs: { ...fields.outputs, ...body.data.outputs } } };
    await deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('tenants').set({ settings: JSON.stringify(next), updated_at: new Date() }).where('id', '=', tenantId).execute();
      await trx.insertInto('audit_log').values({ tenant_id: tenantId, actor: String(res.locals.admin), action: 'mapping.saved', detail: JSON.stringify(body.data) }).execute();
      // Cached profiles were read through the old mapping: read them again at the next recompute.
      await trx.updateTable('contact_state').set({ profile_fetched_at: null }).where('tenant_id', '=', tenantId).execute();
    });
    res.json({ saved: true });
  });
  return r;
}
