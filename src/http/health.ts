import { Router } from 'express';
import type { Redis } from 'ioredis';
import { type Db, ping } from '../store/db';

export interface HealthDeps {
  db: Db;
  redis: Redis;
}

/** `/healthz`: the process is up. `/readyz`: it can do its job, i.e. PostgreSQL and Redis answer. */
export function healthRoutes(deps: HealthDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const [db, redis] = await Promise.all([
      withTimeout(ping(deps.db), 2000).then(() => 'ok', (e: Error) => e.message),
      withTimeout(deps.redis.ping(), 2000).then(() => 'ok', (e: Error) => e.message),
    ]);
    const ok = db === 'ok' && redis === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', checks: { database: db, redis } });
  });
  return r;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}
