import { z } from 'zod';

/** HubSpot sends at most 100 events per webhook request. */
export const HUBSPOT_WEBHOOK_BATCH_MAX = 100;

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

/** One event of a HubSpot webhook request (Webhooks API, legacy CRM object subscriptions). */
export const hubspotWebhookEventSchema = z.object({
  eventId: id,
  subscriptionId: id.optional(),
  portalId: id,
  appId: id.optional(),
  occurredAt: z.number().int().positive(),
  subscriptionType: z.string().min(1),
  attemptNumber: z.number().int().nonnegative().optional(),
  objectId: id,
  propertyName: z.string().optional(),
  propertyValue: z.string().nullable().optional(),
  changeSource: z.string().optional(),
  sourceId: z.string().nullable().optional(),
  changeFlag: z.string().optional(),
  // contact.merge
  primaryObjectId: id.optional(),
  mergedObjectIds: z.array(id).optional(),
  newObjectId: id.optional(),
});

export const hubspotWebhookBatchSchema = z.array(hubspotWebhookEventSchema).min(1).max(HUBSPOT_WEBHOOK_BATCH_MAX);

export type HubSpotWebhookEvent = z.infer<typeof hubspotWebhookEventSchema>;
