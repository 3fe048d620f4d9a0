import type { Profile } from '../engine';
import type { Tenant } from '../store/tables';
import type { ReadProfiles } from './profiles';

/**
 * Coalesces the profile reads of recomputes running at the same moment into one batch call per tenant
 * and object type: 30 contacts touched by one webhook cost one batch read, not 30 calls.
 */
export function batchProfileReads(read: ReadProfiles, opts: { waitMs?: number; max?: number } = {}): ReadProfiles {
  const waitMs = opts.waitMs ?? 15;
  const max = opts.max ?? 100;
  const pending = new Map<string, { tenant: Tenant; objectType: 'contact' | 'lead'; ids: Set<string>; waiters: Array<{ resolve: (m: Map<string, Profile>) => void; reject: (e: unknown) => void }>; timer: NodeJS.Timeout }>();

  const flush = async (key: string) => {
    const batch = pending.get(key);
    if (!batch) return;
    pending.delete(key);
    clearTimeout(batch.timer);
    try {
      const result = await read(batch.tenant, batch.objectType, [...batch.ids]);
      for (const w of batch.waiters) w.resolve(result);
    } catch (err) {
      for (const w of batch.waiters) w.reject(err);
    }
  };

  return (tenant, objectType, ids) =>
    new Promise((resolve, reject) => {
      const key = `${tenant.id}|${objectType}`;
      let batch = pending.get(key);
      if (!batch) {
        batch = { tenant, objectType, ids: new Set(), waiters: [], timer: setTimeout(() => void flush(key), waitMs) };
        pending.set(key, batch);
      }
      for (const id of ids) batch.ids.add(id);
      batch.waiters.push({ resolve, reject });
      if (batch.ids.size >= max) void flush(key);
    });
}
