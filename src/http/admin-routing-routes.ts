import express, { type Response, Router } from 'express';
import { requireAdmin } from '../auth/session';
import type { CrmConnector } from '../crm/connector';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';
import { saveSettings } from '../store/tenant-settings';
import { adminTenant, crmListCache, fieldIssues, refuse } from './admin-context';
import { formatZodError } from '../validation';
import { routingOf, routingSchema } from '../writer/routing';

/** Profile fields a routing rule can look at (the territory and segment fields sales teams route on), with the screen's names for them. */
const LABELS: Record<string, string> = { country: 'Country', industry: 'Industry', emailDomain: 'Email domain', company: 'Company', seniority: 'Seniority', jobTitle: 'Job title' };
const ROUTABLE = Object.keys(LABELS);

/**
 * Task routing for the setup screen: who gets the task of a contact nobody owns in the CRM. Owners are the
 * CRM's own users, listed once per five minutes per tenant (fresh on a save); a rule naming anyone else is refused.
 */
export function adminRoutingRoutes(deps: { db: Db; connectors: Partial<Record<Crm, CrmConnector>> }): Router {
  const r = Router();
  const cached = crmListCache();
  const context = async (res: Response, fresh = false) => {
    const { tenant, connector } = await adminTenant(deps.db, deps.connectors, res);
    // A save reads the CRM's users fresh: someone added a minute ago must be accepted.
    return { tenant, owners: await cached(tenant.id, () => connector.listOwners(tenant), fresh) };
  };
  r.use('/api/routing', requireAdmin, express.json({ limit: '64kb' }));

  r.get('/api/routing', async (_req, res) => {
    const { tenant, owners } = await context(res);
    res.json({ routing: routingOf(tenant.settings), owners, fields: ROUTABLE, labels: LABELS });
  });

  r.put('/api/routing', async (req, res) => {
    const parsed = routingSchema.safeParse(req.body?.routing);
    if (!parsed.success) return void refuse(res, fieldIssues(parsed.error), formatZodError(parsed.error));
    const { tenant, owners } = await context(res, true);
    const known = new Set(owners.map((o) => o.id));
    const issues = [
      ...parsed.data.rules.flatMap((rule, i) => [
        ...(known.has(rule.ownerId) ? [] : [{ field: `rules.${i}.ownerId`, message: `no user with id ${rule.ownerId} in the CRM (anymore)` }]),
        ...(ROUTABLE.includes(rule.field) ? [] : [{ field: `rules.${i}.field`, message: `a rule can look at ${Object.values(LABELS).join(', ')}` }]),
      ]),
      ...(parsed.data.defaultOwnerId && !known.has(parsed.data.defaultOwnerId) ? [{ field: 'defaultOwnerId', message: `no CRM user with id ${parsed.data.defaultOwnerId}` }] : []),
    ];
    if (issues.length > 0) return void refuse(res, issues);
    await saveSettings(deps.db, { tenantId: tenant.id, actor: res.locals.admin, action: 'routing.saved', detail: parsed.data }, (settings) => ({ ...settings, routing: parsed.data }));
    res.json({ saved: true });
  });
  return r;
}
