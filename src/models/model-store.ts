import { loadDefaultModel, type ScoringModel, scoringModelSchema } from '../engine';
import type { Db } from '../store/db';

export interface ActiveModel {
  model: ScoringModel;
  /** 0 for the shipped default the tenant has not changed. */
  version: number;
}

export interface ModelStore {
  /** `version`: the active version when the caller already read it (null: none saved), saving that read. */
  active(tenantId: string, version?: number | null): Promise<ActiveModel>;
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
    async active(tenantId, known) {
      const version = known !== undefined ? known : (await activeVersion(db, tenantId));
      if (version === null) return fallback;
      const hit = parsed.get(tenantId);
      if (hit?.version === version) return hit;
      const stored = await db.selectFrom('models').select('model').where('tenant_id', '=', tenantId).where('version', '=', version).executeTakeFirstOrThrow();
      const value = { model: scoringModelSchema.parse(stored.model), version };
      parsed.set(tenantId, value);
      return value;
    },
  };
}

async function activeVersion(db: Db, tenantId: string): Promise<number | null> {
  return (await db.selectFrom('models').select('version').where('tenant_id', '=', tenantId).where('active', '=', true).executeTakeFirst())?.version ?? null;
}
