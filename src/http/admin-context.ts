import type { Response } from 'express';
import type { CrmConnector } from '../crm/connector';
import type { Db } from '../store/db';
import type { Crm, Tenant } from '../store/tables';

/** The signed-in admin's tenant (from the session, never the request) and its CRM's connector. */
export async function adminTenant(db: Db, connectors: Partial<Record<Crm, CrmConnector>>, res: Response): Promise<{ tenant: Tenant; connector: CrmConnector }> {
  const tenant = await db.selectFrom('tenants').selectAll().where('id', '=', res.locals.tenantId as string).executeTakeFirstOrThrow();
  const connector = connectors[tenant.crm];
  if (!connector) throw Object.assign(new Error(`${tenant.crm} is not configured on this deployment`), { status: 409 });
  return { tenant, connector };
}

/**
 * What a CRM says about an account's setup (its fields, stage values, sequences, users), kept five minutes
 * per key: the setup screen reads it on every load, and it must not cost API calls per record or per click.
 * A save reads it `fresh`: the field an admin created in the CRM a minute ago must be accepted.
 */
export function crmListCache(ttlMs = 5 * 60_000) {
  const entries = new Map<string, { at: number; value: unknown }>();
  return async <T>(key: string, load: () => Promise<T>, fresh = false): Promise<T> => {
    const hit = entries.get(key);
    if (hit && !fresh && Date.now() - hit.at < ttlMs) return hit.value as T;
    const value = await load();
    entries.set(key, { at: Date.now(), value });
    return value;
  };
}

export interface FieldIssue {
  field: string;
  message: string;
}

/** 400 for an admin's input: one sentence naming every problem, and each problem for the field it is beside. */
export function refuse(res: Response, issues: FieldIssue[], message = issues.map((i) => `${i.field}: ${i.message}`).join('; ')): void {
  res.status(400).json({ error: 'validation_failed', message, issues });
}

export const fieldIssues = (error: { issues: Array<{ path: PropertyKey[]; message: string }> }): FieldIssue[] => error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message }));
