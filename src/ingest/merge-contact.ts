import { type EngineState, engineStateSchema } from '../engine';
import type { Db } from '../store/db';
import type { ContactRef } from './inbound';

/**
 * What a CRM merge carries from the merged contact to the one that survives, besides its events: the
 * handoffs Kindling already made (so the survivor is not handed off, and tasked, a second time for the
 * same interest) and its queued actions (a task not yet sent goes to the survivor rather than nowhere).
 * Property writes are not carried: the survivor's next recompute writes its own.
 */
export async function carryOver(trx: Db, tenantId: string, from: ContactRef, into: ContactRef): Promise<void> {
  await trx.updateTable('outbox').set({ object_type: into.objectType, contact_id: into.id, updated_at: new Date() })
    .where('tenant_id', '=', tenantId).where('object_type', '=', from.objectType).where('contact_id', '=', from.id)
    .where('status', '=', 'pending').where('kind', '!=', 'set_properties').execute();

  const stateOf = async (c: ContactRef) => {
    const row = await trx.selectFrom('contact_state').select('result').where('tenant_id', '=', tenantId).where('object_type', '=', c.objectType).where('contact_id', '=', c.id).forUpdate().executeTakeFirst();
    const parsed = engineStateSchema.safeParse((row?.result as { state?: unknown } | null)?.state);
    return { row, state: parsed.success ? parsed.data : undefined };
  };
  const merged = await stateOf(from);
  if (!merged.state || merged.state.handoffs.length === 0) return;
  const survivor = await stateOf(into);
  const state: EngineState = survivor.state
    ? { ...survivor.state, handoffs: union(survivor.state.handoffs, merged.state.handoffs), ...earliest(survivor.state.mqlAt, merged.state.mqlAt) }
    : merged.state;
  const result = { ...((survivor.row?.result as Record<string, unknown> | null) ?? {}), state };
  if (survivor.row) {
    await trx.updateTable('contact_state').set({ result: JSON.stringify(result), updated_at: new Date() }).where('tenant_id', '=', tenantId).where('object_type', '=', into.objectType).where('contact_id', '=', into.id).execute();
  } else {
    await trx.insertInto('contact_state').values({ tenant_id: tenantId, object_type: into.objectType, contact_id: into.id, profile: null, profile_fetched_at: null, result: JSON.stringify(result), written: JSON.stringify({}), model_version: null, next_wake_at: null, updated_at: new Date() }).execute();
  }
}

function union(a: EngineState['handoffs'], b: EngineState['handoffs']): EngineState['handoffs'] {
  const byId = new Map([...a, ...b].map((h) => [h.id, h]));
  return [...byId.values()].sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
}

function earliest(a: string | undefined, b: string | undefined): { mqlAt?: string } {
  const at = [a, b].filter((x): x is string => !!x).sort()[0];
  return at ? { mqlAt: at } : {};
}
