import express, { type Response, Router } from 'express';
import { requireAdmin } from '../auth/session';
import type { CrmConnector } from '../crm/connector';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';
import { updateSettings } from '../store/tenant-settings';
import { formatZodError } from '../validation';
import { routingOf, routingSchema } from '../writer/routing';

/** Profile fields a routing rule can look at: the territory and segment fields sales teams route on. */
const ROUTABLE = ['country', 'industry', 'emailDomain', 'company', 'seniority', 'jobTitle'];
const TTL_MS = 5 * 60_000;

/**
 * Task routing for the setup screen: who gets the task of a contact nobody owns in the CRM. Owners are the
 * CRM's own users, listed once per five minutes per tenant; a rule naming anyone else is refused.
 */
export function adminRoutingRoutes(deps: { db: Db; connectors: Partial<Record<Crm, CrmConnector>> }): Router {
  const r = Router();
  const cache = new Map<string, { at: number; owners: Array<{ id: string; label: string }> }>();
  const context = async (res: Response) => {
    const tenant = await deps.db.selectFrom('tenants').selectAll().where('id', '=', res.locals.tenantId as string).executeTakeFirstOrThrow();
    const connector = deps.connectors[tenant.crm];
    if (!connector) throw Object.assign(new Error(`${tenant.crm} is not configured on this deployment`), { status: 409 });
    const hit = cache.get(tenant.id);
    const owners = hit && Date.now() - hit.at < TTL_MS ? hit.owners : await connector.listOwners(tenant);
    cache.set(tenant.id, { at: Date.now(), owners });
    return { tenant, owners };
  };
  r.use('/api/routing', requireAdmin, express.json({ limit: '64kb' }));

  r.get('/api/routing', async (_req, res) => {
    const { tenant, owners } = await context(res);
    res.json({ routing: routingOf(tenant.settings), owners, fields: ROUTABLE });
  });

  r.put('/api/routing', async (req, res) => {
    const parsed = routingSchema.safeParse(req.body?.routing);
    if (!parsed.success) return void res.status(400).json({ error: 'validation_failed', message: formatZodError(parsed.error), issues: parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })) });
    const { tenant, owners } = await context(res);
    const known = new Set(owners.map((o) => o.id));
    const issues = [
      ...parsed.data.rules.flatMap((rule, i) => [
        ...(known.has(rule.ownerId) ? [] : [{ field: `rules.${i}.ownerId`, message: `no CRM user with id ${rule.ownerId}` }]),
        ...(ROUTABLE.includes(rule.field) ? [] : [{ field: `rules.${i}.field`, message: `routing looks at ${ROUTABLE.join(', ')}` }]),
      ]),
      ...(parsed.data.defaultOwnerId && !known.has(parsed.data.defaultOwnerId) ? [{ field: 'defaultOwnerId', message: `no CRM user with id ${parsed.data.defaultOwnerId}` }] : []),
    ];
    if (issues.length > 0) return void res.status(400).json({ error: 'validation_failed', message: issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues });
    await deps.db.transaction().execute(async (trx) => {
      await updateSettings(trx, tenant.id, (settings) => ({ ...settings, routing: parsed.data }));
      await trx.insertInto('audit_log').values({ tenant_id: tenant.id, actor: String(res.locals.admin), action: 'routing.saved', detail: JSON.stringify(parsed.data) }).execute();
    });
    res.json({ saved: true });
  });
  return r;
}
