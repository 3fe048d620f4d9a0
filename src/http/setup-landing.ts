import { sql } from 'kysely';
import { Router } from 'express';
import { csrfTokenFor, requireAdmin } from '../auth/session';
import { type Keyring, open } from '../crypto';
import { setupFacts } from '../crm/setup-facts';
import type { Db } from '../store/db';

/**
 * Where an admin lands after install: which account is connected and what Kindling has done so far, as
 * JSON for the setup screen (`/api/session`, `/api/status`, `/api/signals-secret`).
 */
export function setupLandingRoutes(db: Db, keyring: Keyring, publicUrl: string): Router {
  const r = Router();
  const status = async (tenantId: string) => {
    const counted = (q: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) => q.executeTakeFirstOrThrow().then((r) => Number(r.n));
    const rows = (table: 'events' | 'contact_state' | 'dead_letters') => db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId);
    // Independent reads, run together; the sealed tokens are never loaded, only whether one is held.
    const [tenant, events, eventsLastHour, contacts, recomputeBacklog, deadLetters, outbox, lastDead] = await Promise.all([
      db.selectFrom('tenants').select(['id', 'crm', 'account_id', 'name', 'status', 'status_reason', 'scopes', 'token_expires_at', 'settings', sql<boolean>`refresh_token_enc is not null`.as('connected')]).where('id', '=', tenantId).executeTakeFirstOrThrow(),
      counted(rows('events')),
      counted(db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).where('received_at', '>=', new Date(Date.now() - 3_600_000))),
      counted(rows('contact_state')),
      // Work owed, counted from the database rather than Redis: contacts waiting for a recompute, writes not yet sent.
      counted(db.selectFrom('contact_state').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenantId).whereRef('dirty_seq', '>', 'processed_seq')),
      counted(rows('dead_letters')),
      db.selectFrom('outbox').select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('n')]).where('tenant_id', '=', tenantId).groupBy(['kind', 'status']).execute(),
      db.selectFrom('dead_letters').select(['error', 'created_at']).where('tenant_id', '=', tenantId).where('replayed_at', 'is', null).orderBy('id', 'desc').limit(1).executeTakeFirst(),
    ]);
    const { settings, connected, ...shown } = tenant;
    const enrichment = (settings as { enrichment?: { eventsApi?: string; reason?: string } } | null)?.enrichment;
    return {
      tenant: shown,
      token: { connected, accessTokenExpiresAt: tenant.token_expires_at, problem: tenant.status === 'active' ? null : tenant.status_reason },
      facts: setupFacts[tenant.crm](tenant, { publicUrl, key: keyring.current.key }),
      ...(enrichment ? { enrichment: { eventsApi: enrichment.eventsApi ?? 'unknown', ...(enrichment.reason ? { reason: enrichment.reason } : {}) } } : {}),
      events, eventsLastHour, contacts, deadLetters,
      queue: { recomputeBacklog, writesPending: outbox.filter((o) => o.status === 'pending' || o.status === 'sending').reduce((n, o) => n + Number(o.n), 0) },
      lastError: lastDead ? { at: lastDead.created_at, message: lastDead.error } : tenant.status_reason ? { at: null, message: tenant.status_reason } : null,
      outbox: outbox.map((o) => ({ ...o, n: Number(o.n) })),
    };
  };
  r.get('/api/session', requireAdmin, async (_req, res) => {
    const t = await db.selectFrom('tenants').select(['id', 'crm', 'account_id']).where('id', '=', res.locals.tenantId as string).executeTakeFirstOrThrow();
    res.set('Cache-Control', 'no-store').json({ tenantId: t.id, crm: t.crm, accountId: t.account_id, user: res.locals.admin, csrfToken: csrfTokenFor(res) });
  });
  r.get('/api/status', requireAdmin, async (_req, res) => {
    res.json(await status(res.locals.tenantId as string));
  });
  /** Who changed what, newest first: model versions, rollbacks, mappings, replays, uninstall. */
  r.get('/api/audit', requireAdmin, async (_req, res) => {
    const rows = await db.selectFrom('audit_log').select(['actor', 'action', 'detail', 'at']).where('tenant_id', '=', res.locals.tenantId as string).orderBy('id', 'desc').limit(50).execute();
    res.json({ entries: rows });
  });
  /** The signals signing secret, for the admin to paste into their enrichment or intent tool. */
  r.get('/api/signals-secret', requireAdmin, async (_req, res) => {
    const t = await db.selectFrom('tenants').select(['id', 'signals_secret_enc']).where('id', '=', res.locals.tenantId as string).executeTakeFirstOrThrow();
    res.set('Cache-Control', 'no-store').json({ tenantId: t.id, secret: t.signals_secret_enc ? open(t.signals_secret_enc, keyring) : null });
  });
  return r;
}
