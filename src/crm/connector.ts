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
}

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
  /** The record type's fields as the CRM describes them (for the field mapping), cached by the caller. */
  listProperties(tenant: Tenant, objectType: ObjectType): Promise<CrmProperty[]>;
  enroll(tenant: Tenant, objectType: ObjectType, contactId: string, track: string): Promise<ItemResult>;
  unenroll(tenant: Tenant, objectType: ObjectType, contactId: string, track: string): Promise<ItemResult>;
}
