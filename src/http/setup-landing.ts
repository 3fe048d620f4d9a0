import { Router } from 'express';
import { csrfTokenFor, requireAdmin } from '../auth/session';
import { type Keyring, open } from '../crypto';
import { outboundPathToken } from '../crm/salesforce/outbound-token';
import type { Db } from '../store/db';

/**
 * Where an admin lands after install: which account is connected and what Kindling has done so far, as
 * JSON for the setup screen (`/api/session`, `/api/status`, `/api/signals-secret`).
 */
export function setupLandingRoutes(db: Db, keyring: Keyring, publicUrl: string): Router {
  const r = Router();
  const status = async (tenantId: string) => {
    const tenant = await db.selectFrom('tenants').select(['id', 'crm', 'account_id', 'name', 'status', 'status_reason', 'scopes', 'token_expires_at']).where('id', '=', tenantId).executeTakeFirstOrThrow();
    const count = async (table: 'events' | 'contact_state' | 'dead_letters') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow()).n);
    const outbox = await db.selectFrom('outbox').select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('n')]).where('tenant_id', '=', tenantId).groupBy(['kind', 'status']).execute();
    const outboundUrl = tenant.crm === 'salesforce' ? `${publicUrl}/webhooks/salesforce/${outboundPathToken(keyring.current.key, tenant.account_id)}` : undefined;
    return { tenant, ...(outboundUrl ? { salesforceOutboundUrl: outboundUrl } : {}), events: await count('events'), contacts: await count('contact_state'), deadLetters: await count('dead_letters'), outbox: outbox.map((o) => ({ ...o, n: Number(o.n) })) };
  };
  r.get('/api/session', requireAdmin, async (_req, res) => {
    const t = await db.selectFrom('tenants').select(['id', 'crm', 'account_id']).where('id', '=', res.locals.tenantId as string).executeTakeFirstOrThrow();
    res.set('Cache-Control', 'no-store').json({ tenantId: t.id, crm: t.crm, accountId: t.account_id, user: res.locals.admin, csrfToken: csrfTokenFor(res) });
  });
  r.get('/api/status', requireAdmin, async (_req, res) => {
    res.json(await status(res.locals.tenantId as string));
  });
  /** The signals signing secret, for the admin to paste into their enrichment or intent tool. */
  r.get('/api/signals-secret', requireAdmin, async (_req, res) => {
    const t = await db.selectFrom('tenants').select(['id', 'signals_secret_enc']).where('id', '=', res.locals.tenantId as string).executeTakeFirstOrThrow();
    res.set('Cache-Control', 'no-store').json({ tenantId: t.id, secret: t.signals_secret_enc ? open(t.signals_secret_enc, keyring) : null });
  });
  return r;
}
