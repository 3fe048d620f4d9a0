import { Router } from 'express';
import { z } from 'zod';
import { requireAdmin } from '../auth/session';
import type { Db } from '../store/db';
import { readResults } from '../store/results';
import { formatZodError } from '../validation';

// A year of weekly points is what the charts can show; the bound also caps the work behind one request.
const querySchema = z.object({ weeks: z.coerce.number().int().min(1).max(52).default(12) });

/**
 * `GET /api/results?weeks=12`: the setup screen's results charts for the signed-in tenant (contacts per
 * stage, MQLs per week, time to MQL, stage progression, re-engagement yield, tasks created and
 * completed), one number per ISO week, oldest first. The tenant comes from the session only.
 */
export function adminResultsRoutes(deps: { db: Db; now: () => number }): Router {
  const r = Router();
  r.get('/api/results', requireAdmin, async (req, res) => {
    const parsed = querySchema.safeParse(req.query);
    if (!parsed.success) return void res.status(400).json({ error: 'validation_failed', message: formatZodError(parsed.error), issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    res.json(await readResults(deps.db, { tenantId: res.locals.tenantId as string, weeks: parsed.data.weeks, now: new Date(deps.now()) }));
  });
  return r;
}
