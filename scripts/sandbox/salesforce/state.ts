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
  nextId: number;
}

const FIELDS: Record<string, string[]> = {
  Lead: ['Id', 'FirstName', 'LastName', 'Email', 'Company', 'Title', 'Industry', 'NumberOfEmployees', 'Country', 'OwnerId', 'Status', 'HasOptedOutOfEmail', 'IsConverted', 'Kindling_Score__c', 'Kindling_Grade__c', 'Kindling_Track__c', 'Kindling_Reasons__c', 'Kindling_Scored_At__c', 'Kindling_Fit_Score__c', 'Kindling_Engagement_Score__c'],
  Contact: ['Id', 'FirstName', 'LastName', 'Email', 'Title', 'AccountId', 'OwnerId', 'HasOptedOutOfEmail', 'Kindling_Score__c', 'Kindling_Grade__c', 'Kindling_Track__c', 'Kindling_Reasons__c', 'Kindling_Scored_At__c', 'Kindling_Fit_Score__c', 'Kindling_Engagement_Score__c', 'Kindling_Stage__c'],
  Task: ['Id', 'WhoId', 'OwnerId', 'Subject', 'Description', 'ActivityDate', 'Priority', 'Status'],
  Campaign: ['Id', 'Name', 'IsActive'],
  CampaignMember: ['Id', 'CampaignId', 'LeadId', 'ContactId', 'Status'],
};
const PREFIX: Record<string, string> = { Lead: '00Q', Contact: '003', Task: '00T', Campaign: '701', CampaignMember: '00v', User: '005' };

export function newOrg(orgId: string, apiLimit: number): SfOrg {
  const org: SfOrg = { orgId, userId: '005000000000001AAA', objects: new Map(), fields: new Map(), apiUsed: 0, apiLimit, salesEngagement: false, cadenceTargets: [], nextId: 1 };
  for (const [obj, f] of Object.entries(FIELDS)) {
    org.objects.set(obj, new Map());
    // A fresh org has no Kindling fields: the install creates them through the Metadata API.
    org.fields.set(obj, new Set(f.filter((name) => !name.startsWith('Kindling_'))));
  }
  for (const [id, name] of [['701000000000001AAA', 'Kindling: Welcome'], ['701000000000002AAA', 'Kindling: Educate'], ['701000000000003AAA', 'Kindling: Re-engage']] as const) {
    org.objects.get('Campaign')!.set(id, { Id: id, Name: name, IsActive: true });
  }
  return org;
}

export function sfId(org: SfOrg, object: string): string {
  return `${PREFIX[object] ?? '001'}${String(org.nextId++).padStart(12, '0')}AAA`;
}
