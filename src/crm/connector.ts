import type { Profile } from '../engine';
import type { CreateTaskPayload, SetPropertiesPayload } from '../outbox/payloads';
import type { Tenant } from '../store/tables';

export type ObjectType = 'contact' | 'lead';

/** One input's fate in a batch call: each item is judged on its own (a 207 is not a success). */
export type ItemResult =
  | { ok: true; id?: string; detail?: Record<string, unknown> }
  | { ok: false; permanent: boolean; error: string };

/** A CRM field, its type in Kindling's terms. */
export interface CrmProperty {
  name: string;
  label: string;
  type: 'number' | 'text' | 'bool' | 'datetime';
  /** False for a field the CRM computes or locks (HubSpot's calculated, read-only-value properties; a Salesforce field that is not updateable): never a target for Kindling's outputs. */
  writable: boolean;
}

/** What an admin maps for one record type: canonical field → CRM field, canonical stage → CRM value. */
export interface FieldMapping {
  profile: Record<string, string>;
  outputs: Record<string, string>;
  stages: Record<string, string>;
}

/** Where a nurture track can send a contact in this CRM: a sequence, a cadence or a campaign. */
export interface NurtureTarget {
  id: string;
  label: string;
  kind: 'sequence' | 'cadence' | 'campaign';
  /** What the connector needs to enroll into it (a sequence's sender, a cadence's owner). */
  detail?: Record<string, string>;
}

/** A tenant's settings (`tenants.settings`): mappings the admin edits, read and written only by connectors. */
export type TenantSettings = Record<string, unknown>;

export interface PropertyUpdate {
  objectType: ObjectType;
  contactId: string;
  properties: SetPropertiesPayload['properties'];
}

export interface TaskInput {
  objectType: ObjectType;
  contactId: string;
  task: CreateTaskPayload;
}

/**
 * What Kindling needs from a CRM, batch-first and CRM-neutral. Each connector knows its vendor's caps,
 * maps canonical fields through the tenant's mapping, and turns vendor errors into Kindling's error
 * classes (`RateLimited`, `TransientCrmError`, `PermanentCrmError`, `TokenRevoked`) for a whole call, or
 * into a failed `ItemResult` for one item.
 */
export interface CrmConnector {
  readonly crm: Tenant['crm'];
  /** Records per batch write call (HubSpot 100, Salesforce 200). */
  readonly batchSize: number;
  readProfiles(tenant: Tenant, objectType: ObjectType, ids: string[]): Promise<Map<string, Profile>>;
  updateProperties(tenant: Tenant, updates: PropertyUpdate[]): Promise<ItemResult[]>;
  createTasks(tenant: Tenant, tasks: TaskInput[]): Promise<ItemResult[]>;
  /** After an ambiguous failure: the task Kindling may already have created, found instead of resent. */
  findTask(tenant: Tenant, task: TaskInput): Promise<string | undefined>;
  /** Which of these tasks (CRM ids) a rep has completed; a task missing from the answer was deleted. */
  readTaskStatuses(tenant: Tenant, taskIds: string[]): Promise<Map<string, { completed: boolean; completedAt?: string }>>;
  /** The record type's fields as the CRM describes them (for the field mapping), cached by the caller. */
  listProperties(tenant: Tenant, objectType: ObjectType): Promise<CrmProperty[]>;
  /** The record types whose fields an admin maps (HubSpot: contacts; Salesforce: Leads and Contacts). */
  readonly mappedObjects: ReadonlyArray<{ objectType: ObjectType; label: string }>;
  /** The tenant's mapping for a record type: the shipped default (`mappings/<crm>/fields.json`) with its overrides. */
  fieldMapping(settings: TenantSettings, objectType: ObjectType): FieldMapping;
  withFieldMapping(settings: TenantSettings, objectType: ObjectType, patch: Partial<FieldMapping>): TenantSettings;
  /** The values the CRM allows in the record type's stage field, or null when it takes any text. */
  listStageValues(tenant: Tenant, objectType: ObjectType): Promise<Array<{ value: string; label: string }> | null>;
  /** The CRM users a task can be routed to (HubSpot owners, Salesforce active users). */
  listOwners(tenant: Tenant): Promise<Array<{ id: string; label: string }>>;
  /** The sequences, cadences or campaigns a track can be mapped to. */
  listNurtureTargets(tenant: Tenant): Promise<NurtureTarget[]>;
  /** track → the id of the target it is mapped to. */
  trackTargets(settings: TenantSettings): Record<string, string>;
  /** The settings with these tracks mapped (a target) or unmapped (null); targets come from `listNurtureTargets`. */
  withTrackTargets(settings: TenantSettings, targets: Record<string, NurtureTarget | null>): TenantSettings;
  enroll(tenant: Tenant, objectType: ObjectType, contactId: string, track: string): Promise<ItemResult>;
  unenroll(tenant: Tenant, objectType: ObjectType, contactId: string, track: string): Promise<ItemResult>;
}
