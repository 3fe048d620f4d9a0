import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const hubspotFieldMappingSchema = z.object({
  profile: z.record(z.string(), z.string()),
  outputs: z.record(z.string(), z.string()),
  stages: z.record(z.string(), z.string()),
});
export type HubSpotFieldMapping = z.infer<typeof hubspotFieldMappingSchema>;

let defaults: HubSpotFieldMapping | undefined;

/** The tenant's field mapping: the shipped default (`mappings/hubspot/fields.json`) with its overrides. */
export function hubspotFields(settings: Record<string, unknown> | null | undefined): HubSpotFieldMapping {
  defaults ??= hubspotFieldMappingSchema.parse(JSON.parse(readFileSync(join(__dirname, '../../../mappings/hubspot/fields.json'), 'utf8')));
  const o = hubspotFieldMappingSchema.partial().safeParse((settings ?? {}).fields ?? {});
  const over = o.success ? o.data : {};
  return { profile: { ...defaults.profile, ...over.profile }, outputs: { ...defaults.outputs, ...over.outputs }, stages: { ...defaults.stages, ...over.stages } };
}

/** The tenant's track → sequence mapping (`settings.tracks`). */
export const trackSequenceSchema = z.record(z.string(), z.object({ sequenceId: z.string(), senderUserId: z.string(), senderEmail: z.string() }));

/** The settings with a patch of the field mapping stored over what the tenant had. */
export function withHubSpotFields(settings: Record<string, unknown>, patch: Partial<HubSpotFieldMapping>): Record<string, unknown> {
  const over = hubspotFieldMappingSchema.partial().safeParse(settings.fields ?? {});
  const o = over.success ? over.data : {};
  return { ...settings, fields: { ...o, profile: { ...o.profile, ...patch.profile }, outputs: { ...o.outputs, ...patch.outputs }, stages: { ...o.stages, ...patch.stages } } };
}
