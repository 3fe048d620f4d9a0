import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const objectMapping = z.object({ profile: z.record(z.string(), z.string()), outputs: z.record(z.string(), z.string()), stages: z.record(z.string(), z.string()) });
const mappingSchema = z.object({ Lead: objectMapping, Contact: objectMapping });
export type SalesforceObjectMapping = z.infer<typeof objectMapping>;

let defaults: z.infer<typeof mappingSchema> | undefined;

/** The tenant's Salesforce field mapping for Leads or Contacts: the shipped default and its overrides. */
export function salesforceFields(settings: Record<string, unknown> | null | undefined, sobject: 'Lead' | 'Contact'): SalesforceObjectMapping {
  defaults ??= mappingSchema.parse(JSON.parse(readFileSync(join(__dirname, '../../../mappings/salesforce/fields.json'), 'utf8')));
  const over = objectMapping.partial().safeParse(((settings ?? {}).fields as Record<string, Record<string, unknown>> | undefined)?.salesforce?.[sobject] ?? {});
  const d = defaults[sobject];
  const o = over.success ? over.data : {};
  return { profile: { ...d.profile, ...o.profile }, outputs: { ...d.outputs, ...o.outputs }, stages: { ...d.stages, ...o.stages } };
}

/** The tenant's track → campaign mapping (`settings.campaigns`), the cadence stand-in where Sales Engagement is absent. */
export const trackCampaignSchema = z.record(z.string(), z.object({ campaignId: z.string() }));

/** The tenant's track → Sales Engagement cadence mapping (`settings.cadences`), with the user who owns the targets. */
export const trackCadenceSchema = z.record(z.string(), z.object({ cadenceId: z.string(), userId: z.string() }));

/** The settings with a patch of one object's field mapping stored over what the tenant had. */
export function withSalesforceFields(settings: Record<string, unknown>, sobject: 'Lead' | 'Contact', patch: Partial<Pick<SalesforceObjectMapping, 'profile' | 'outputs' | 'stages'>>): Record<string, unknown> {
  const fields = (settings.fields ?? {}) as Record<string, unknown>;
  const salesforce = (fields.salesforce ?? {}) as Record<string, unknown>;
  const over = objectMapping.partial().safeParse(salesforce[sobject] ?? {});
  const o = over.success ? over.data : {};
  const next = { ...o, profile: { ...o.profile, ...patch.profile }, outputs: { ...o.outputs, ...patch.outputs }, stages: { ...o.stages, ...patch.stages } };
  return { ...settings, fields: { ...fields, salesforce: { ...salesforce, [sobject]: next } } };
}
