import { Router } from 'express';
import { requireAdmin } from '../auth/session';
import { audit } from '../store/audit';
import type { Db } from '../store/db';
import { replayDeadLetter } from '../writer/dead-letters';

/** Dead letters for the admin: the list with the CRM's own error text, replay one or all. Audited. */
export function adminDeadLetterRoutes(deps: { db: Db; afterReplay: (tenantId: string) => Promise<void> }): Router {
  const r = Router();
  r.get('/api/dead-letters', requireAdmin, async (_req, res) => {
    const rows = await deps.db.selectFrom('dead_letters').select(['id', 'origin', 'payload', 'error', 'created_at', 'replayed_at']).where('tenant_id', '=', res.locals.tenantId as string).orderBy('id', 'desc').limit(200).execute();
    res.json({ deadLetters: rows });
  });
  r.post('/api/dead-letters/:id/replay', requireAdmin, async (req, res) => {
    const tenantId = res.locals.tenantId as string;
    const id = String(req.params.id);
    const ok = /^\d+$/.test(id) && (await replayDeadLetter(deps.db, tenantId, Number(id)));
    if (!ok) return void res.status(404).json({ error: 'not_found', message: 'no such dead letter waiting for replay' });
    await audit(deps.db, { tenantId, actor: res.locals.admin, action: 'dead_letter.replayed', detail: { id: Number(id) } });
    await deps.afterReplay(tenantId);
    res.json({ replayed: 1 });
  });
  r.post('/api/dead-letters/replay-all', requireAdmin, async (_req, res) => {
    const tenantId = res.locals.tenantId as string;
    const ids = await deps.db.selectFrom('dead_letters').select('id').where('tenant_id', '=', tenantId).where('replayed_at', 'is', null).execute();
    let n = 0;
    for (const { id } of ids) if (await replayDeadLetter(deps.db, tenantId, id)) n++;
    await audit(deps.db, { tenantId, actor: res.locals.admin, action: 'dead_letter.replayed_all', detail: { count: n } });
    if (n > 0) await deps.afterReplay(tenantId);
    res.json({ replayed: n });
  });
  return r;
}
