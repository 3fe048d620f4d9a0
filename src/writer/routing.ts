import { z } from 'zod';
import { type Profile, profileValue } from '../engine';

/**
 * Who gets a task for a contact nobody owns: the first rule whose profile field holds one of its values,
 * else the default owner. Owner ids are the CRM's (HubSpot owner id, Salesforce user id).
 */
export const routingSchema = z.object({
  rules: z.array(z.object({
    field: z.string().min(1),
    values: z.array(z.string().min(1)).min(1, 'list at least one value'),
    ownerId: z.string().min(1, 'choose who gets the task'),
  })).max(50).default([]),
  defaultOwnerId: z.string().min(1).optional(),
});
export type Routing = z.infer<typeof routingSchema>;

/** The tenant's routing (`settings.routing`); none when unset or unreadable. */
export function routingOf(settings: unknown): Routing {
  const r = routingSchema.safeParse((settings as { routing?: unknown } | null)?.routing ?? {});
  return r.success ? r.data : { rules: [] };
}

/** Matching is case-insensitive: CRMs hold "Germany", "germany" and "GERMANY" alike. */
export function routeOwner(routing: Routing, profile: Profile): string | undefined {
  for (const rule of routing.rules) {
    const v = profileValue(profile, rule.field);
    if (v === null || v === undefined) continue;
    const value = String(v).trim().toLowerCase();
    if (rule.values.some((x) => x.trim().toLowerCase() === value)) return rule.ownerId;
  }
  return routing.defaultOwnerId;
}
