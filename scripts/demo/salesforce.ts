import { sql } from 'kysely';
import type { Sandbox } from '../sandbox';
import { generateScenario } from '../scenarios/generate';
import { outboundPathToken } from '../../src/crm/salesforce/outbound-token';
import type { Db } from '../../src/store/db';
import { installHubSpot } from './install-hubspot';

/**
 * The Salesforce half of the demo: installs the connected app into the sandbox org (PKCE), maps tracks to
 * campaigns, replays a population of Leads as Outbound Messages (campaign responses, webinar attendance,
 * email engagement, opt-outs), and returns what happened for the summary.
 */
export async function runSalesforceDemo(opts: { url: string; sandbox: Sandbox; db: Db; encryptionKey: Buffer; contacts: number; seed: number; waitIdle: () => Promise<void> }): Promise<string[]> {
  const { landing } = await installHubSpot(opts.url, 'salesforce');
  if (landing.status !== 200) throw new Error(`Salesforce install failed: ${landing.status}`);
  const org = opts.sandbox.salesforce.org;
  const tenant = await opts.db.selectFrom('tenants').selectAll().where('crm', '=', 'salesforce').executeTakeFirstOrThrow();
  await opts.db.updateTable('tenants').set({ settings: JSON.stringify({ campaigns: { welcome: { campaignId: '701000000000001AAA' }, educate: { campaignId: '701000000000002AAA' }, re_engage: { campaignId: '701000000000003AAA' } } }) }).where('id', '=', tenant.id).execute();

  const scenario = generateScenario({ seed: opts.seed + 1, contacts: opts.contacts, now: new Date() });
  const leadId = (id: string) => `00Q${id.padStart(12, '0')}AAA`;
  for (const c of scenario.contacts) {
    const p = c.properties;
    org.objects.get('Lead')!.set(leadId(c.id), { Id: leadId(c.id), FirstName: p.firstname, LastName: p.lastname, Email: p.email, Company: p.company, Title: p.jobtitle, Industry: p.industry, NumberOfEmployees: Number(p.numberofemployees), Country: p.country, OwnerId: org.userId, Status: 'Open - Not Contacted' });
  }
  const notes: Array<{ id: string; type: string; fields: Record<string, string | number | boolean | null> }> = [];
  let n = 0;
  const nid = () => `04l${String(++n).padStart(12, '0')}AAA`;
  for (const e of scenario.webhookEvents) {
    if (e.subscriptionType !== 'contact.propertyChange') continue;
    const lead = leadId(String(e.objectId));
    const value = String(e.propertyValue);
    const member = (status: string, campaign: string) => notes.push({ id: nid(), type: 'CampaignMember', fields: { Id: `00v${String(n).padStart(12, '0')}AAA`, LeadId: lead, CampaignId: '701000000000009AAA', Status: status, Campaign_Name__c: campaign } });
    if (e.propertyName === 'recent_conversion_event_name') member(/webinar/i.test(value) ? 'Attended' : 'Responded', value.replace(' (attended)', ''));
    else if (e.propertyName === 'hs_email_last_click_date') member('Clicked', 'Nurture email');
    else if (e.propertyName === 'hs_email_last_open_date') member('Opened', 'Nurture email');
    else if (e.propertyName === 'hs_email_optout') notes.push({ id: nid(), type: 'Lead', fields: { Id: lead, HasOptedOutOfEmail: 'true' } });
    else if (e.propertyName === 'hs_analytics_last_url') notes.push({ id: nid(), type: 'Lead', fields: { Id: lead, pi__last_activity__c: new Date(e.occurredAt as number).toISOString() } });
  }
  const endpoint = `${opts.url}/webhooks/salesforce/${outboundPathToken(opts.encryptionKey, org.orgId)}`;
  const before = opts.sandbox.recorder.requests.filter((r) => r.path.startsWith('/services/data')).length;
  for (let i = 0; i < notes.length; i += 100) {
    const res = await opts.sandbox.salesforce.sendOutbound(endpoint, notes.slice(i, i + 100));
    if (!res.body.includes('<Ack>true</Ack>')) throw new Error(`outbound message not acknowledged: ${res.status} ${res.body.slice(0, 200)}`);
  }
  await opts.waitIdle();
  const calls = opts.sandbox.recorder.requests.filter((r) => r.path.startsWith('/services/data')).length - before;
  const leads = [...org.objects.get('Lead')!.values()];
  const scored = leads.filter((l) => l.Kindling_Score__c !== undefined).length;
  const mql = leads.filter((l) => l.Status === 'Marketing Qualified').length;
  const tasks = [...org.objects.get('Task')!.values()];
  const members = [...org.objects.get('CampaignMember')!.values()];
  const { rows } = await sql<{ n: number }>`select count(*)::int8 as n from dead_letters where tenant_id = ${tenant.id}`.execute(opts.db);
  return [
    `Salesforce org ${org.orgId}: installed as a connected app (PKCE); ${leads.length} Leads, ${notes.length} Outbound Message notifications in ${Math.ceil(notes.length / 100)} envelopes.`,
    `Leads scored: ${scored} · moved to "Marketing Qualified": ${mql} · tasks created: ${tasks.length} · campaign memberships for nurture tracks: ${members.length} · dead letters: ${rows[0]!.n}`,
    `Salesforce REST calls: ${calls} for ${notes.length} notifications (sObject Collections, 200 records a call); daily allocation used ${org.apiUsed}/${org.apiLimit}.`,
  ];
}
