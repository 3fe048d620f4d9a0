import { loadDefaultModel, type ScoringModel, scoringModelSchema } from '../engine';
import type { Db } from '../store/db';

export interface ActiveModel {
  model: ScoringModel;
  /** 0 for the shipped default the tenant has not changed. */
  version: number;
}

export interface ModelStore {
  active(tenantId: string): Promise<ActiveModel>;
}

/**
 * The tenant's active scoring model, cached briefly per process (a saved model takes effect within
 * `ttlMs` everywhere; the cache keeps the hot path off the database).
 */
export function createModelStore(db: Db, opts: { ttlMs?: number; now?: () => number } = {}): ModelStore {
  const ttl = opts.ttlMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const fallback: ActiveModel = { model: loadDefaultModel(), version: 0 };
  const cache = new Map<string, { at: number; value: ActiveModel }>();
  return {
    async active(tenantId) {
      const hit = cache.get(tenantId);
      if (hit && now() - hit.at < ttl) return hit.value;
      const row = await db.selectFrom('models').select(['version', 'model']).where('tenant_id', '=', tenantId).where('active', '=', true).executeTakeFirst();
      const value = row ? { model: scoringModelSchema.parse(row.model), version: row.version } : fallback;
      cache.set(tenantId, { at: now(), value });
      return value;
    },
  };
}
