import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** JSON columns: stored as jsonb, read back parsed. */
export type Json<T> = ColumnType<T, T | string, T | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export type Crm = 'hubspot' | 'salesforce';
export type TenantStatus = 'active' | 'reconnect' | 'uninstalled';

export interface TenantsTable {
  id: Generated<string>;
  crm: Crm;
  /** HubSpot portal (hub) id or Salesforce organization id. */
  account_id: string;
  name: string | null;
  status: TenantStatus;
  status_reason: string | null;
  instance_url: string | null;
  /** AES-256-GCM ciphertexts, `keyId:iv:tag:data` (see `crypto.ts`). Never plaintext. */
  access_token_enc: string | null;
  refresh_token_enc: string | null;
  token_expires_at: Date | null;
  scopes: Json<string[]>;
  signals_secret_enc: string | null;
  /** Field, stage and track mappings the admin edits; defaults come from `mappings/`. */
  settings: Json<Record<string, unknown>>;
  installed_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface EventsTable {
  id: Generated<number>;
  tenant_id: string;
  object_type: 'contact' | 'lead';
  contact_id: string;
  type: string;
  occurred_at: Timestamp;
  source: string;
  source_event_id: string;
  attrs: Json<Record<string, unknown>>;
  received_at: CreatedAt;
}

export interface ContactStateTable {
  tenant_id: string;
  object_type: 'contact' | 'lead';
  contact_id: string;
  profile: Json<Record<string, unknown>> | null;
  profile_fetched_at: Date | null;
  /** The engine's last result for this contact (score, stage, track, reasons). */
  result: Json<Record<string, unknown>> | null;
  /** What Kindling last asked the CRM to hold, per output property: the base of the next diff. */
  written: Json<Record<string, unknown>>;
  model_version: number | null;
  next_wake_at: Date | null;
  dirty_seq: Generated<number>;
  processed_seq: Generated<number>;
  deleted: Generated<boolean>;
  updated_at: Timestamp;
  /** Recomputes in a row that failed for a reason other than a transient one; reset by a success. */
  failures: Generated<number>;
  /** The latest such failure's message. */
  last_error: string | null;
}

export type OutboxKind = 'set_properties' | 'create_task' | 'enroll' | 'unenroll' | 'notify';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

export interface OutboxTable {
  id: Generated<number>;
  tenant_id: string;
  object_type: 'contact' | 'lead';
  contact_id: string;
  kind: OutboxKind;
  payload: Json<Record<string, unknown>>;
  /** Unique per tenant: the same action, however often recomputed or retried, is one row. */
  idempotency_key: string;
  status: OutboxStatus;
  attempts: Generated<number>;
  last_error: string | null;
  /** What the CRM answered (a created task's id): lets an ambiguous retry look up instead of resend. */
  result: Json<Record<string, unknown>> | null;
  /** A created task (`create_task`) that the rep completed in the CRM, when Kindling learned it; null until then. */
  completed_at: Date | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

/** One change of a contact's stage or track: the history behind the results charts. */
export interface TransitionsTable {
  id: Generated<number>;
  tenant_id: string;
  object_type: 'contact' | 'lead';
  contact_id: string;
  /** The recompute's `now`: when Kindling decided the change. */
  at: Timestamp;
  /** Null on a contact's first result. */
  from_stage: string | null;
  to_stage: string;
  from_track: string | null;
  to_track: string;
  /** What brought it about: a signal's kind or an event's type; null when time alone did (silence, a cooldown ending). */
  cause: string | null;
}

export interface DeadLettersTable {
  id: Generated<number>;
  tenant_id: string;
  /**
   * Where it died: `outbox` (a write the CRM refused), `ingest` (an event that could not be mapped) or
   * `recompute` (a contact whose recompute kept failing; `ref_id` is `objectType:contactId`).
   */
  origin: 'outbox' | 'ingest' | 'recompute';
  ref_id: string | null;
  payload: Json<Record<string, unknown>>;
  error: string;
  created_at: CreatedAt;
  replayed_at: Date | null;
}

export interface ModelsTable {
  tenant_id: string;
  version: number;
  model: Json<Record<string, unknown>>;
  active: boolean;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface AuditLogTable {
  id: Generated<number>;
  tenant_id: string;
  actor: string;
  action: string;
  detail: Json<Record<string, unknown>>;
  at: CreatedAt;
}

export interface ErasedContactsTable {
  tenant_id: string;
  object_type: 'contact' | 'lead';
  contact_id: string;
  erased_at: Date;
}

export interface Database {
  tenants: TenantsTable;
  events: EventsTable;
  contact_state: ContactStateTable;
  outbox: OutboxTable;
  transitions: TransitionsTable;
  dead_letters: DeadLettersTable;
  models: ModelsTable;
  audit_log: AuditLogTable;
  erased_contacts: ErasedContactsTable;
}

export type Tenant = Selectable<TenantsTable>;
export type NewTenant = Insertable<TenantsTable>;
export type TenantUpdate = Updateable<TenantsTable>;
export type LedgerEvent = Selectable<EventsTable>;
export type NewLedgerEvent = Insertable<EventsTable>;
export type ContactState = Selectable<ContactStateTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type DeadLetter = Selectable<DeadLettersTable>;
