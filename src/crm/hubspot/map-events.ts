import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ContactRef, InboundItem } from '../../ingest/inbound';
import type { HubSpotWebhookEvent } from './webhook-schema';

const propertyRuleSchema = z.object({
  group: z.string().min(1),
  type: z.string().min(1).optional(),
  byValue: z.record(z.string(), z.string()).optional(),
  attrs: z.record(z.string(), z.string()).optional(),
  when: z.enum(['true', 'present']).optional(),
  profileField: z.string().optional(),
});

export const hubspotEventMappingSchema = z.object({
  propertyChanges: z.record(z.string(), propertyRuleSchema),
  profileProperties: z.array(z.string()),
});

export type HubSpotEventMapping = z.infer<typeof hubspotEventMappingSchema>;

export function loadHubSpotEventMapping(dir = join(__dirname, '../../../mappings')): HubSpotEventMapping {
  return hubspotEventMappingSchema.parse(JSON.parse(readFileSync(join(dir, 'hubspot/events.json'), 'utf8')));
}

export interface MapOptions {
  mapping: HubSpotEventMapping;
  /** Kindling's own app id: a change it made comes back with this as its source and is an echo. */
  appId?: string;
  /** Prefix of the contact properties Kindling owns; a change to them is always an echo. */
  ownPropertyPrefix: string;
}

/** Turns HubSpot webhook events into CRM-neutral inbound items, per `mappings/hubspot/events.json`. */
export function mapHubSpotEvents(events: HubSpotWebhookEvent[], opts: MapOptions): InboundItem[] {
  return events.map((e) => mapOne(e, opts));
}

function mapOne(e: HubSpotWebhookEvent, opts: MapOptions): InboundItem {
  const accountId = e.portalId;
  const contact: ContactRef = { objectType: 'contact', id: e.objectId };
  switch (e.subscriptionType) {
    case 'contact.creation':
      return event(accountId, contact, e, 'contact_created', 'contact_created', {});
    case 'contact.deletion':
      return { kind: 'deleted', accountId, contact, privacy: false };
    case 'contact.privacyDeletion':
      return { kind: 'deleted', accountId, contact, privacy: true };
    case 'contact.merge': {
      const into = e.primaryObjectId ?? e.newObjectId ?? e.objectId;
      const from = (e.mergedObjectIds ?? []).filter((id) => id !== into);
      return { kind: 'merged', accountId, into: { objectType: 'contact', id: into }, from: from.map((id) => ({ objectType: 'contact', id })) };
    }
    case 'contact.propertyChange':
      return mapPropertyChange(accountId, contact, e, opts);
    default:
      return { kind: 'ignored', accountId, reason: 'unmapped' };
  }
}

function mapPropertyChange(accountId: string, contact: ContactRef, e: HubSpotWebhookEvent, opts: MapOptions): InboundItem {
  const name = e.propertyName ?? '';
  if (name.startsWith(opts.ownPropertyPrefix) || isOwnChange(e, opts.appId)) {
    return { kind: 'ignored', accountId, reason: 'echo' };
  }
  const rule = opts.mapping.propertyChanges[name];
  if (!rule) {
    return opts.mapping.profileProperties.includes(name)
      ? { kind: 'profile_changed', accountId, contact }
      : { kind: 'ignored', accountId, reason: 'unmapped' };
  }
  const value = e.propertyValue ?? '';
  if (rule.when === 'true' && value.toLowerCase() !== 'true') return { kind: 'ignored', accountId, reason: 'filtered' };
  if (rule.when === 'present' && value.trim() === '') return { kind: 'ignored', accountId, reason: 'filtered' };
  const type = rule.byValue ? rule.byValue[value] : rule.type;
  if (!type) {
    return rule.profileField ? { kind: 'profile_changed', accountId, contact } : { kind: 'ignored', accountId, reason: 'filtered' };
  }
  const attrs: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(rule.attrs ?? {})) {
    attrs[key] = template === '$value' ? value : template;
  }
  return event(accountId, contact, e, type, rule.group, attrs);
}

/**
 * The ledger key: properties of one group changed at one instant are one event, so the three properties
 * a page view moves record one page view, and any redelivery of them maps to the same key.
 */
function event(accountId: string, contact: ContactRef, e: HubSpotWebhookEvent, type: string, group: string, attrs: Record<string, unknown>): InboundItem {
  return {
    kind: 'event',
    accountId,
    contact,
    event: { type, occurredAt: new Date(e.occurredAt), source: 'hubspot', sourceEventId: `${group}:${e.objectId}:${e.occurredAt}`, attrs },
  };
}

function isOwnChange(e: HubSpotWebhookEvent, appId: string | undefined): boolean {
  if (!appId || !e.sourceId) return false;
  const source = e.sourceId;
  return source === appId || source === `appId:${appId}` || source.endsWith(`:${appId}`);
}
