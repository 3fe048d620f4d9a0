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
 * The tenant's active scoring model. Which version is active is read every time (one indexed row), so a
 * model saved or rolled back scores the very next event in every process; the model itself is parsed
 * and compiled once per version, which is what kept the hot path busy.
 */
export function createModelStore(db: Db): ModelStore {
  const fallback: ActiveModel = { model: loadDefaultModel(), version: 0 };
  const parsed = new Map<string, ActiveModel>();
  return {
    async active(tenantId) {
      const row = await db.selectFrom('models').select('version').where('tenant_id', '=', tenantId).where('active', '=', true).executeTakeFirst();
      if (!row) return fallback;
      const hit = parsed.get(tenantId);
      if (hit?.version === row.version) return hit;
      const stored = await db.selectFrom('models').select('model').where('tenant_id', '=', tenantId).where('version', '=', row.version).executeTakeFirstOrThrow();
      const value = { model: scoringModelSchema.parse(stored.model), version: row.version };
      parsed.set(tenantId, value);
      return value;
    },
  };
}
