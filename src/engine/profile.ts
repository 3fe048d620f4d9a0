import { z } from 'zod';

export const STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'] as const;
export const stageSchema = z.enum([...STAGES, 'disqualified']);
export type Stage = z.infer<typeof stageSchema>;

/** A contact's fit attributes, read from the CRM through the tenant's field mapping. */
export const profileSchema = z.object({
  firstName: z.string().optional(),
  lastName: z.string().optional(),
  email: z.string().optional(),
  emailDomain: z.string().optional(),
  company: z.string().optional(),
  jobTitle: z.string().optional(),
  seniority: z.string().optional(),
  companySize: z.number().optional(),
  industry: z.string().optional(),
  country: z.string().optional(),
  ownerId: z.string().optional(),
  lifecycleStage: stageSchema.optional(),
  hasOpenOpportunity: z.boolean().optional(),
  isCustomer: z.boolean().optional(),
  doNotContact: z.boolean().optional(),
  unsubscribed: z.boolean().optional(),
  disqualified: z.boolean().optional(),
  /** Any other mapped field, addressed by fit rules as `attributes.<name>`. */
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
});

export type Profile = z.input<typeof profileSchema>;

export function stageRank(stage: Stage | undefined): number {
  if (stage === undefined) return -1;
  if (stage === 'disqualified') return Number.POSITIVE_INFINITY;
  return STAGES.indexOf(stage);
}

/** A profile field by name: a known field, `attributes.<name>`, or `emailDomain` derived from the email. */
export function profileValue(profile: Profile, field: string): string | number | boolean | null | undefined {
  if (field.startsWith('attributes.')) return profile.attributes?.[field.slice(11)];
  if (field === 'emailDomain') return profile.emailDomain ?? profile.email?.split('@')[1]?.toLowerCase();
  return (profile as Record<string, unknown>)[field] as string | number | boolean | undefined;
}
