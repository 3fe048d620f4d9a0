import { z } from 'zod';

/**
 * What an outbox row asks the CRM to do, in Kindling's canonical terms. The recompute worker writes
 * these (only what changed since the last write); the writer maps them to a CRM through the tenant's
 * field, stage and track mappings. One schema per `outbox.kind`.
 */
export const stageSchema = z.enum(['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'disqualified']);
export const trackSchema = z.enum(['welcome', 'educate', 'handoff', 're_engage', 'suppressed']);

export const setPropertiesPayload = z.object({
  /** Canonical output fields; only the ones that changed. The writer coalesces rows per contact. */
  properties: z
    .object({
      score: z.number(),
      grade: z.enum(['A', 'B', 'C', 'D']),
      fitScore: z.number(),
      engagementScore: z.number(),
      track: trackSchema,
      reasonsSummary: z.string(),
      scoredAt: z.string(),
      /** Forward moves only; the writer re-reads the CRM's current stage before writing it. */
      stage: stageSchema,
    })
    .partial(),
});

export const createTaskPayload = z.object({
  subject: z.string().min(1),
  body: z.string(),
  priority: z.enum(['HIGH', 'MEDIUM', 'LOW']),
  dueAt: z.string(),
  reason: z.string(),
  /** The contact's owner when known; else the writer applies the tenant's routing rule. */
  ownerId: z.string().optional(),
});

export const enrollPayload = z.object({ track: trackSchema });
export const unenrollPayload = z.object({ track: trackSchema, reason: z.string() });
export const notifyPayload = z.object({ text: z.string(), priority: z.enum(['HIGH', 'MEDIUM', 'LOW']) });

export const outboxPayloads = {
  set_properties: setPropertiesPayload,
  create_task: createTaskPayload,
  enroll: enrollPayload,
  unenroll: unenrollPayload,
  notify: notifyPayload,
} as const;

export type SetPropertiesPayload = z.infer<typeof setPropertiesPayload>;
export type CreateTaskPayload = z.infer<typeof createTaskPayload>;
export type EnrollPayload = z.infer<typeof enrollPayload>;
export type UnenrollPayload = z.infer<typeof unenrollPayload>;
export type NotifyPayload = z.infer<typeof notifyPayload>;
