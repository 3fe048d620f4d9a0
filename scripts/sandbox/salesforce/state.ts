export interface SfRecord {
  Id: string;
  [field: string]: unknown;
}

export interface SfOrg {
  orgId: string;
  userId: string;
  objects: Map<string, Map<string, SfRecord>>;
  /** Fields each object has (describe); writes to others are INVALID_FIELD. */
  fields: Map<string, Set<string>>;
  apiUsed: number;
  apiLimit: number;
  /** Orgs with Sales Engagement answer the cadence action. */
  salesEngagement: boolean;
  cadenceTargets: Array<{ cadence: string; target: string }>;
  /** Records whose next n updates fail with UNABLE_TO_LOCK_ROW, as when a Flow or trigger holds the row. */
  locked: Map<string, number>;
  /** Fields created through the Metadata API: no one may write them until field-level security grants it. */
  secured: Set<string>;
  nextId: number;
}

const FIELDS: Record<string, string[]> = {
  Lead: ['Id', 'FirstName', 'LastName', 'Email', 'Company', 'Title', 'Industry', 'NumberOfEmployees', 'Country', 'OwnerId', 'Status', 'HasOptedOutOfEmail', 'IsConverted', 'Kindling_Score__c', 'Kindling_Grade__c', 'Kindling_Track__c', 'Kindling_Reasons__c', 'Kindling_Scored_At__c', 'Kindling_Fit_Score__c', 'Kindling_Engagement_Score__c'],
  Contact: ['Id', 'FirstName', 'LastName', 'Email', 'Title', 'AccountId', 'OwnerId', 'HasOptedOutOfEmail', 'Kindling_Score__c', 'Kindling_Grade__c', 'Kindling_Track__c', 'Kindling_Reasons__c', 'Kindling_Scored_At__c', 'Kindling_Fit_Score__c', 'Kindling_Engagement_Score__c', 'Kindling_Stage__c'],
  Task: ['Id', 'WhoId', 'OwnerId', 'Subject', 'Description', 'ActivityDate', 'Priority', 'Status', 'IsClosed'],
  Campaign: ['Id', 'Name', 'IsActive'],
  CampaignMember: ['Id', 'CampaignId', 'LeadId', 'ContactId', 'Status'],
  ActionCadence: ['Id', 'Name', 'OwnerId', 'State'],
  User: ['Id', 'Name', 'IsActive'],
  PermissionSet: ['Id', 'Name', 'Label', 'Description'],
  FieldPermissions: ['Id', 'ParentId', 'SobjectType', 'Field', 'PermissionsRead', 'PermissionsEdit'],
  PermissionSetAssignment: ['Id', 'PermissionSetId', 'AssigneeId'],
};

/** Lead Status as a fresh org ships it, plus the "Marketing Qualified" value Kindling's README asks admins to add. */
export const LEAD_STATUSES = ['Open - Not Contacted', 'Marketing Qualified', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];
const TYPES: Record<string, string> = { Id: 'id', NumberOfEmployees: 'int', HasOptedOutOfEmail: 'boolean', IsConverted: 'boolean', IsActive: 'boolean', IsClosed: 'boolean', PermissionsRead: 'boolean', PermissionsEdit: 'boolean', ActivityDate: 'date', Kindling_Scored_At__c: 'datetime', OwnerId: 'reference', WhoId: 'reference', AccountId: 'reference' };

/** One field as `describe` reports it: its type, and a picklist's values (Lead Status). */
export function describeField(object: string, name: string) {
  const type = object === 'Lead' && name === 'Status' ? 'picklist' : TYPES[name] ?? (/Score__c$/.test(name) ? 'double' : 'string');
  return {
    name, label: name, type, updateable: name !== 'Id' && name !== 'IsClosed',
    picklistValues: type === 'picklist' ? LEAD_STATUSES.map((value, i) => ({ active: true, defaultValue: i === 0, label: value, validFor: null, value })) : [],
  };
}
const PREFIX: Record<string, string> = { Lead: '00Q', Contact: '003', Task: '00T', Campaign: '701', CampaignMember: '00v', User: '005', PermissionSet: '0PS', FieldPermissions: '01k', PermissionSetAssignment: '0Pa' };

export function newOrg(orgId: string, apiLimit: number): SfOrg {
  const org: SfOrg = { orgId, userId: '005000000000001AAA', objects: new Map(), fields: new Map(), apiUsed: 0, apiLimit, salesEngagement: false, cadenceTargets: [], locked: new Map(), secured: new Set(), nextId: 1 };
  for (const [obj, f] of Object.entries(FIELDS)) {
    org.objects.set(obj, new Map());
    // A fresh org has no Kindling fields: the install creates them through the Metadata API.
    org.fields.set(obj, new Set(f.filter((name) => !name.startsWith('Kindling_'))));
  }
  for (const [id, name] of [['701000000000001AAA', 'Kindling: Welcome'], ['701000000000002AAA', 'Kindling: Educate'], ['701000000000003AAA', 'Kindling: Re-engage']] as const) {
    org.objects.get('Campaign')!.set(id, { Id: id, Name: name, IsActive: true });
  }
  for (const [id, name] of [[org.userId, 'Sam Admin'], ['005000000000002AAA', 'Riley Rep']] as const) {
    org.objects.get('User')!.set(id, { Id: id, Name: name, IsActive: true });
  }
  // Sales Engagement cadences: only visible to queries once the org has Sales Engagement (`salesEngagement`).
  for (const [id, name] of [['77C000000000001AAA', 'Inbound: hot lead'], ['77C000000000002AAA', 'Re-engage: dormant']] as const) {
    org.objects.get('ActionCadence')!.set(id, { Id: id, Name: name, OwnerId: org.userId, State: 'Active' });
  }
  return org;
}

export function sfId(org: SfOrg, object: string): string {
  return `${PREFIX[object] ?? '001'}${String(org.nextId++).padStart(12, '0')}AAA`;
}

/** Whether the org's (single) API user may edit `Object.Field`: a permission set assigned to it grants edit. */
export function mayEdit(org: SfOrg, field: string): boolean {
  if (!org.secured.has(field)) return true;
  const sets = new Set([...org.objects.get('PermissionSetAssignment')!.values()].filter((a) => a.AssigneeId === org.userId).map((a) => String(a.PermissionSetId)));
  return [...org.objects.get('FieldPermissions')!.values()].some((p) => p.Field === field && p.PermissionsEdit === true && sets.has(String(p.ParentId)));
}
