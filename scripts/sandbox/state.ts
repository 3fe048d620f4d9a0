import { randomBytes } from 'node:crypto';

export interface HubRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  associations?: Array<{ toId: string; typeId: number }>;
}

export interface PropertyDef {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  options?: Array<{ label: string; value: string; displayOrder?: number; hidden?: boolean }>;
  hubspotDefined?: boolean;
  /** HubSpot computes the value (HubSpot score, counters): reported as `calculated` and read-only. */
  calculated?: boolean;
}

export interface Portal {
  hubId: number;
  contacts: Map<string, HubRecord>;
  tasks: Map<string, HubRecord>;
  properties: Map<string, Map<string, PropertyDef>>;
  groups: Map<string, Map<string, { name: string; label: string }>>;
  sequences: Array<{ id: string; name: string; userId: string }>;
  enrollments: Array<{ id: string; contactId: string; sequenceId: string; senderEmail: string; userId: string; enrolledAt: string }>;
  users: Array<{ id: number; email: string }>;
  /** Enterprise accounts answer the Events API; others get 403. */
  enterprise: boolean;
  events: Array<{ id: string; eventType: string; objectId: string; objectType: 'CONTACT'; occurredAt: string; properties: Record<string, string> }>;
  nextId: number;
}

export interface SandboxApp {
  clientId: string;
  clientSecret: string;
  appId: number;
}

export interface Tokens {
  codes: Map<string, { hubId: number; redirectUri: string; scopes: string[]; used: boolean }>;
  access: Map<string, { hubId: number; userId: number; scopes: string[]; expiresAt: number }>;
  refresh: Map<string, { hubId: number; userId: number; scopes: string[]; revoked: boolean }>;
}

export const token = (prefix: string) => `${prefix}-${randomBytes(18).toString('base64url')}`;

const STANDARD_CONTACT_PROPERTIES: Array<[string, string, string]> = [
  ['email', 'string', 'text'], ['firstname', 'string', 'text'], ['lastname', 'string', 'text'], ['company', 'string', 'text'],
  ['jobtitle', 'string', 'text'], ['hs_seniority', 'enumeration', 'select'], ['industry', 'string', 'text'], ['numberofemployees', 'number', 'number'],
  ['country', 'string', 'text'], ['hubspot_owner_id', 'enumeration', 'select'], ['lifecyclestage', 'enumeration', 'radio'], ['hs_lead_status', 'enumeration', 'radio'],
  ['hs_email_optout', 'bool', 'booleancheckbox'], ['hs_analytics_last_url', 'string', 'text'], ['hs_analytics_num_page_views', 'number', 'number'],
  ['recent_conversion_event_name', 'string', 'text'], ['hs_email_last_open_date', 'datetime', 'date'], ['hs_email_last_click_date', 'datetime', 'date'],
  ['hs_email_last_reply_date', 'datetime', 'date'], ['engagements_last_meeting_booked', 'datetime', 'date'], ['num_conversion_events', 'number', 'number'],
  ['hubspotscore', 'number', 'number'],
];
const STANDARD_TASK_PROPERTIES: Array<[string, string, string]> = [
  ['hs_task_subject', 'string', 'text'], ['hs_task_body', 'string', 'html'], ['hs_task_priority', 'enumeration', 'select'], ['hs_task_status', 'enumeration', 'select'],
  ['hs_timestamp', 'datetime', 'date'], ['hubspot_owner_id', 'enumeration', 'select'], ['hs_task_type', 'enumeration', 'select'],
];

/** lifecyclestage's default options, in HubSpot's order. */
const LIFECYCLE_STAGES: Array<[string, string]> = [
  ['subscriber', 'Subscriber'], ['lead', 'Lead'], ['marketingqualifiedlead', 'Marketing Qualified Lead'], ['salesqualifiedlead', 'Sales Qualified Lead'],
  ['opportunity', 'Opportunity'], ['customer', 'Customer'], ['evangelist', 'Evangelist'], ['other', 'Other'],
];

export function newPortal(hubId: number): Portal {
  const props = (list: Array<[string, string, string]>): Map<string, PropertyDef> =>
    new Map(list.map(([name, type, fieldType]) => [name, { name, label: name, type, fieldType, groupName: 'contactinformation', hubspotDefined: true }]));
  const contactProps = props(STANDARD_CONTACT_PROPERTIES);
  contactProps.get('hubspotscore')!.calculated = true;
  contactProps.get('lifecyclestage')!.options = LIFECYCLE_STAGES.map(([value, label], i) => ({ value, label, displayOrder: i, hidden: false }));
  return {
    hubId,
    contacts: new Map(),
    tasks: new Map(),
    properties: new Map([['contacts', contactProps], ['tasks', props(STANDARD_TASK_PROPERTIES)]]),
    groups: new Map([['contacts', new Map([['contactinformation', { name: 'contactinformation', label: 'Contact information' }]])], ['tasks', new Map()]]),
    sequences: [
      { id: '1001', name: 'Welcome series', userId: '7001' },
      { id: '1002', name: 'Educate: forecasting', userId: '7001' },
      { id: '1003', name: 'Re-engage', userId: '7001' },
    ],
    enrollments: [],
    users: [{ id: 7001, email: 'rep@sandbox.example' }],
    enterprise: false,
    events: [],
    nextId: 5000,
  };
}
