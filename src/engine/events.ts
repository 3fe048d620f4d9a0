import { z } from 'zod';

/**
 * Kindling's canonical events (DESIGN.md, "Canonical model"). Attributes are optional where a CRM may not
 * supply them: a HubSpot property change names the form but not its id.
 */
const base = {
  occurredAt: z.coerce.date(),
  source: z.string().min(1),
  sourceEventId: z.string().min(1),
};

export const signalKindSchema = z.enum(['job_change', 'funding_round', 'hiring_surge', 'intent_spike', 'custom']);

export const engineEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('form_submitted'), attrs: z.object({ formId: z.string().optional(), formName: z.string().optional(), pageUrl: z.string().optional() }) }),
  z.object({ ...base, type: z.literal('page_viewed'), attrs: z.object({ url: z.string().optional(), title: z.string().optional() }) }),
  z.object({ ...base, type: z.literal('email_opened'), attrs: z.object({ emailId: z.string().optional(), emailName: z.string().optional() }) }),
  z.object({ ...base, type: z.literal('email_clicked'), attrs: z.object({ emailId: z.string().optional(), url: z.string().optional() }) }),
  z.object({ ...base, type: z.literal('email_replied'), attrs: z.object({}).passthrough() }),
  z.object({ ...base, type: z.literal('email_bounced'), attrs: z.object({}).passthrough() }),
  z.object({ ...base, type: z.literal('unsubscribed'), attrs: z.object({}).passthrough() }),
  z.object({ ...base, type: z.literal('meeting_booked'), attrs: z.object({}).passthrough() }),
  z.object({ ...base, type: z.literal('webinar_attended'), attrs: z.object({ webinarName: z.string().optional() }).passthrough() }),
  z.object({ ...base, type: z.literal('signal'), attrs: z.object({ kind: signalKindSchema, strength: z.number().min(0).max(1).default(1), detail: z.string().optional() }) }),
  z.object({ ...base, type: z.literal('became_customer'), attrs: z.object({}).passthrough() }),
  z.object({ ...base, type: z.literal('opportunity_opened'), attrs: z.object({}).passthrough() }),
  z.object({ ...base, type: z.literal('opportunity_closed'), attrs: z.object({ won: z.boolean().optional() }) }),
  z.object({ ...base, type: z.literal('contact_created'), attrs: z.object({}).passthrough() }),
]);

export type EngineEvent = z.infer<typeof engineEventSchema>;
export type EventType = EngineEvent['type'];
export const EVENT_TYPES = engineEventSchema.options.map((o) => o.shape.type.value) as EventType[];

/** Events that show the person engaging (silence is the absence of these). */
export const ENGAGEMENT_TYPES: ReadonlySet<EventType> = new Set([
  'form_submitted', 'page_viewed', 'email_opened', 'email_clicked', 'email_replied', 'meeting_booked', 'webinar_attended',
]);
