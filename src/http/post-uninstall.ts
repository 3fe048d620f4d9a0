import { Router } from 'express';
import type { RevokeFn } from '../auth/token-provider';
import { requireAdmin, SESSION_COOKIE } from '../auth/session';
import { type Keyring, open } from '../crypto';
import type { Logger } from '../log';
import type { Db } from '../store/db';
import type { Crm } from '../store/tables';
import { deactivateTenant } from '../store/tenants';

export interface UninstallDeps {
  db: Db;
  keyring: Keyring;
  log: Logger;
  /** Each CRM's way to revoke Kindling's grant (`hubspotRevoker`, `salesforceRevoker`). */
  revokers: Partial<Record<Crm, RevokeFn>>;
}

/**
 * `POST /api/uninstall` (admin session + CSRF): revokes Kindling's grant at the CRM, erases the tokens,
 * drops the tenant's queued property writes (re-sent after a reinstall) and holds its queued actions;
 * events for it are ignored from then on. The data stays until the admin asks for it to be deleted, so a
 * reinstall picks up where it left off.
 */
export function uninstallRoutes(deps: UninstallDeps): Router {
  const r = Router();
  r.post('/api/uninstall', requireAdmin, async (_req, res) => {
    const tenantId = res.locals.tenantId as string;
    const t = await deps.db.selectFrom('tenants').select(['crm', 'refresh_token_enc']).where('id', '=', tenantId).executeTakeFirstOrThrow();
    const revoke = deps.revokers[t.crm];
    if (t.refresh_token_enc && revoke) {
      try {
        await revoke(open(t.refresh_token_enc, deps.keyring));
      } catch (err) {
        // Revocation is courtesy to the CRM; the tokens are erased below whatever it answered.
        deps.log.warn('uninstall.revoke_failed', { tenantId, error: (err as Error).message });
      }
    }
    await deactivateTenant(deps.db, tenantId, 'uninstalled', `uninstalled by ${String(res.locals.admin)}`);
    deps.log.info('tenant.uninstalled', { tenantId });
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.json({ status: 'uninstalled' });
  });
  return r;
}
