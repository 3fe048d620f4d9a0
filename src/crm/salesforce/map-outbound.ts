import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { InboundItem } from '../../ingest/inbound';

const ruleSchema = z.object({
  field: z.string(),
  when: z.enum(['true', 'present']).optional(),
  equals: z.string().optional(),
  type: z.string(),
  /** The field holding when it happened; the notification's arrival otherwise. */
  at: z.string().optional(),
  attrs: z.record(z.string(), z.string()).optional(),
});
export const salesforceEventMappingSchema = z.object({
  objects: z.record(z.string(), z.object({
    contact: z.union([
      z.object({ objectType: z.enum(['lead', 'contact']), idField: z.string(), orObjectType: z.enum(['lead', 'contact']).optional(), orIdField: z.string().optional() }),
      /** An activity's polymorphic `WhoId`: a Lead or a Contact, told apart by the id's key prefix. */
      z.object({ whoField: z.string() }),
    ]),
    rules: z.array(ruleSchema),
    profileFields: z.array(z.string()),
  })),
});
export type SalesforceEventMapping = z.infer<typeof salesforceEventMappingSchema>;

export function loadSalesforceEventMapping(dir = join(__dirname, '../../../mappings')): SalesforceEventMapping {
  return salesforceEventMappingSchema.parse(JSON.parse(readFileSync(join(dir, 'salesforce/events.json'), 'utf8')));
}

/** An Outbound Message envelope, as the SOAP schema (`notifications`) describes it. */
export const notificationsSchema = z.object({
  OrganizationId: z.string().regex(/^00D[A-Za-z0-9]{12}([A-Za-z0-9]{3})?$/, 'not a Salesforce organization id'),
  ActionId: z.string().min(1),
  SessionId: z.string().optional(),
  EnterpriseUrl: z.string().optional(),
  PartnerUrl: z.string().optional(),
  Notification: z.array(z.object({ Id: z.string().min(1), sObject: z.record(z.string(), z.unknown()) })).min(1).max(100),
});
export type Notifications = z.infer<typeof notificationsSchema>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name, jpath) => name === 'Notification' && String(jpath).endsWith('notifications.Notification'),
});

/** Parses the SOAP envelope (a maintained XML parser, namespaces removed); `undefined` when it is not one. */
export function parseOutboundXml(xml: string): unknown {
  const doc = parser.parse(xml) as { Envelope?: { Body?: { notifications?: unknown } } };
  return doc?.Envelope?.Body?.notifications;
}

/** Turns the notifications into CRM-neutral items through `mappings/salesforce/events.json`. */
export function mapOutbound(n: Notifications, mapping: SalesforceEventMapping, now: Date): InboundItem[] {
  const items: InboundItem[] = [];
  for (const note of n.Notification) {
    const obj = note.sObject;
    const type = String(obj['@type'] ?? '').replace(/^sf:/, '');
    const spec = mapping.objects[type];
    if (!spec) {
      items.push({ kind: 'ignored', accountId: n.OrganizationId, reason: 'unmapped' });
      continue;
    }
    const value = (f: string) => {
      const v = obj[f];
      return v === undefined || v === null || typeof v === 'object' ? undefined : String(v);
    };
    const { objectType, id } = contactOf(spec.contact, value);
    if (!id || !objectType) {
      items.push({ kind: 'ignored', accountId: n.OrganizationId, reason: 'filtered' });
      continue;
    }
    const contact = { objectType, id };
    let matched = false;
    for (const rule of spec.rules) {
      const v = value(rule.field);
      if (v === undefined) continue;
      if (rule.when === 'true' && v !== 'true') continue;
      if (rule.equals !== undefined && v !== rule.equals) continue;
      matched = true;
      const when = rule.at ? value(rule.at) : undefined;
      const at = new Date(when ?? '');
      const occurredAt = Number.isNaN(at.getTime()) ? now : at;
      const attrs = Object.fromEntries(Object.entries(rule.attrs ?? {}).map(([k, f]) => [k, value(f)]).filter(([, x]) => x !== undefined));
      // Keyed on the fact, not the notification: every message about a record repeats its fields (a
      // redelivery, another field's change, the echo of Kindling's own writes), and only a new activity
      // time or a new value is a new event. The record's own id: a CampaignMember's, not its Lead's.
      const fact = when === undefined ? v : Number.isNaN(at.getTime()) ? when : at.toISOString();
      const sourceEventId = `${type}:${value('Id') ?? id}:${rule.field}:${rule.type}:${fact}`;
      items.push({ kind: 'event', accountId: n.OrganizationId, contact, event: { type: rule.type, occurredAt, source: 'salesforce', sourceEventId, attrs } });
    }
    // A fit field may change in a message whose activity fields repeat known facts: mark the profile stale
    // whenever one is carried, or that change would be lost with the deduplicated events.
    if (spec.profileFields.some((f) => f in obj)) items.push({ kind: 'profile_changed', accountId: n.OrganizationId, contact });
    else if (!matched) items.push({ kind: 'ignored', accountId: n.OrganizationId, reason: 'filtered' });
  }
  return items;
}

/** Salesforce's key prefixes for the two records Kindling scores. */
const WHO_PREFIX: Record<string, 'lead' | 'contact'> = { '00Q': 'lead', '003': 'contact' };

/** Which Lead or Contact a notification is about; undefined parts when it names neither. */
function contactOf(spec: SalesforceEventMapping['objects'][string]['contact'], value: (f: string) => string | undefined): { objectType?: 'lead' | 'contact'; id?: string } {
  if ('whoField' in spec) {
    const who = value(spec.whoField);
    return { objectType: who ? WHO_PREFIX[who.slice(0, 3)] : undefined, id: who };
  }
  const primary = value(spec.idField);
  return { objectType: primary ? spec.objectType : spec.orObjectType, id: primary ?? (spec.orIdField ? value(spec.orIdField) : undefined) };
}
