import { outboundPathToken } from '../../src/crm/salesforce/outbound-token';
import type { Store } from '../../src/store/db';
import { pipelineBacklog } from '../../src/queue/pipeline-backlog';
import { installHubSpot as install, type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { hubspotEvent } from '../helpers/hubspot';
import { drivers, testStore } from '../helpers/store';
import { sweepNow } from '../helpers/sweep';

describe.each(drivers)('Salesforce loop end to end on %s', (driver) => {
  let store: Store;
  let stack: Stack;
  let endpoint: string;
  const LEAD = '00Q000000000101AAA';

  beforeEach(async () => {
    store = await testStore(driver);
    stack = await startStack(store);
    const { landing } = await install(stack.url, 'salesforce');
    expect(landing.status).toBe(200);
    const org = stack.sandbox.salesforce.org;
    endpoint = `${stack.url}/webhooks/salesforce/${outboundPathToken(stack.encryptionKey, org.orgId)}`;
    org.objects.get('Lead')!.set(LEAD, { Id: LEAD, FirstName: 'Ana', LastName: 'Lima', Company: 'Globex', Title: 'VP Marketing', NumberOfEmployees: 400, Email: 'ana@globex.example', Status: 'Open - Not Contacted', OwnerId: '005000000000001AAA' });
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  const demoRequest = (id = '04l000000000001AAA') => stack.sandbox.salesforce.sendOutbound(endpoint, [{ id, type: 'CampaignMember', fields: { Id: '00v000000000001AAA', LeadId: '00Q000000000101AAA', CampaignId: '701000000000009AAA', Status: 'Responded', Campaign_Name__c: 'Request a Demo' } }]);
  async function idle() {
    await eventually(async () => {
      const b = await pipelineBacklog(store.db);
      return b.owed === 0 && b.unsent === 0;
    }, 20_000, 50);
  }

  it('installs with PKCE, takes an Outbound Message, and writes fields, status and one task back through sObject Collections', async () => {
    const tenant = await store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    expect(tenant).toMatchObject({ crm: 'salesforce', account_id: stack.sandbox.salesforce.org.orgId, instance_url: stack.sandbox.url, status: 'active' });
    // Kindling's fields were created at install through the Metadata API.
    expect([...stack.sandbox.salesforce.org.fields.get('Lead')!]).toEqual(expect.arrayContaining(['Kindling_Score__c', 'Kindling_Grade__c', 'Kindling_Track__c', 'Kindling_Reasons__c']));
    expect([...stack.sandbox.salesforce.org.fields.get('Contact')!]).toContain('Kindling_Stage__c');
    expect(stack.sandbox.recorder.find({ path: '/services/Soap/m/59.0' }).length).toBe(4); // 15 fields: 2 reads and 2 creates of ≤10
    const ack = await demoRequest();
    expect(ack.status).toBe(200);
    expect(ack.body).toContain('<Ack>true</Ack>');
    await idle();
    const lead = stack.sandbox.salesforce.org.objects.get('Lead')!.get('00Q000000000101AAA')!;
    expect(lead).toMatchObject({ Kindling_Grade__c: 'A', Kindling_Track__c: 'handoff', Status: 'Marketing Qualified' });
    expect(lead.Kindling_Reasons__c).toContain('requested a demo');
    const tasks = [...stack.sandbox.salesforce.org.objects.get('Task')!.values()];
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ WhoId: '00Q000000000101AAA', Priority: 'High', OwnerId: '005000000000001AAA', Status: 'Not Started' });
    expect(String(tasks[0]!.Subject)).toMatch(/^Ana Lima \(Globex\) — requested a demo, score \d+$/);

    // Salesforce retries the same notification: recorded once, no second task.
    expect((await demoRequest()).body).toContain('<Ack>true</Ack>');
    await idle();
    expect(stack.sandbox.salesforce.org.objects.get('Task')!.size).toBe(1);
    // Later messages repeat the record's fields (Kindling's own Status write fires one): the same member
    // status or activity time records nothing new; a new activity time does.
    const leadMessage = (id: string, activity: string) => stack.sandbox.salesforce.sendOutbound(endpoint, [{ id, type: 'Lead', fields: { Id: LEAD, Status: 'Marketing Qualified', pi__last_activity__c: activity } }]);
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    await demoRequest('04l000000000005AAA');
    await leadMessage('04l000000000006AAA', hourAgo);
    await leadMessage('04l000000000007AAA', hourAgo);
    const types = async () => (await store.db.selectFrom('events').select('type').orderBy('id').execute()).map((e) => e.type);
    expect(await types()).toEqual(['form_submitted', 'page_viewed']);
    await leadMessage('04l000000000008AAA', new Date().toISOString());
    expect(await types()).toEqual(['form_submitted', 'page_viewed', 'page_viewed']);
    await idle();
    const writes = stack.sandbox.recorder.find({ path: /\/services\/data\/v59\.0\/composite\/sobjects$/ });
    expect(writes.length).toBeGreaterThan(0);
    // The org's daily allocation, as Sforce-Limit-Info reports it, is watched per tenant.
    const usage = await stack.runtime.metrics.registry.getSingleMetricAsString('kindling_crm_api_usage_ratio');
    expect(usage).toContain(`tenant="${tenant.id}"`);
  });

  it('scores a Contact the same way: its campaign membership in, Kindling fields, stage and a task on the Contact out', async () => {
    const CONTACT = '003000000000201AAA';
    const org = stack.sandbox.salesforce.org;
    org.objects.get('Contact')!.set(CONTACT, { Id: CONTACT, FirstName: 'Rui', LastName: 'Costa', Title: 'VP Sales', Email: 'rui@initech.example', OwnerId: '005000000000001AAA' });
    const ack = await stack.sandbox.salesforce.sendOutbound(endpoint, [{ id: '04l000000000021AAA', type: 'CampaignMember', fields: { Id: '00v000000000021AAA', LeadId: null, ContactId: CONTACT, CampaignId: '701000000000009AAA', Status: 'Responded', Campaign_Name__c: 'Request a Demo' } }]);
    expect(ack.body).toContain('<Ack>true</Ack>');
    await idle();
    const contact = org.objects.get('Contact')!.get(CONTACT)!;
    // Contacts have no Lead Status: the stage goes to Kindling_Stage__c.
    expect(contact).toMatchObject({ Kindling_Track__c: 'handoff', Kindling_Stage__c: 'mql' });
    expect(Number(contact.Kindling_Score__c)).toBeGreaterThan(0);
    expect(contact.Status).toBeUndefined();
    const tasks = [...org.objects.get('Task')!.values()].filter((t) => t.WhoId === CONTACT);
    expect(tasks).toHaveLength(1);
    expect(String(tasks[0]!.Subject)).toMatch(/^Rui Costa .*requested a demo/);
    // A Contact's own opt-out message is an unsubscribe: it leaves nurture.
    await stack.sandbox.salesforce.sendOutbound(endpoint, [{ id: '04l000000000022AAA', type: 'Contact', fields: { Id: CONTACT, HasOptedOutOfEmail: true, Title: 'VP Sales', Email: 'rui@initech.example', OwnerId: '005000000000001AAA' } }]);
    await idle();
    expect(org.objects.get('Contact')!.get(CONTACT)!.Kindling_Track__c).toBe('suppressed');
  });

  it('refreshes an expired session once, and pauses the tenant when the daily allocation is exhausted', async () => {
    stack.sandbox.salesforce.expireAccessTokens();
    await store.db.updateTable('tenants').set({ token_expires_at: new Date(Date.now() + 3_600_000) }).execute(); // Kindling thinks it is still valid
    await demoRequest('04l000000000002AAA');
    await idle();
    expect(stack.sandbox.salesforce.org.objects.get('Task')!.size).toBe(1);
    expect(stack.sandbox.recorder.find({ path: '/services/oauth2/token' }).length).toBe(2); // install + one refresh

    // A second tenant, on HubSpot, keeps writing while this org's allocation is exhausted.
    await install(stack.url);
    const [sf, hs] = await Promise.all(['salesforce', 'hubspot'].map((crm) => store.db.selectFrom('tenants').select('id').where('crm', '=', crm as 'salesforce' | 'hubspot').executeTakeFirstOrThrow()));
    stack.sandbox.seedContacts([{ id: '201', properties: { email: 'jo@initech.example', firstname: 'Jo', company: 'Initech', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' } }]);
    const org = stack.sandbox.salesforce.org;
    org.apiUsed = org.apiLimit;
    const refusedBefore = stack.sandbox.recorder.find({ status: 403 }).length;
    await stack.sandbox.salesforce.sendOutbound(endpoint, [{ id: '04l000000000003AAA', type: 'Lead', fields: { Id: LEAD, HasOptedOutOfEmail: 'true' } }]);
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [hubspotEvent({ objectId: 201, occurredAt: Date.now(), propertyName: 'recent_conversion_event_name', propertyValue: 'Request a demo', changeSource: 'FORM' })]);

    // The writer tried, Salesforce refused with REQUEST_LIMIT_EXCEEDED, and the tenant's drain job waits out the pause.
    const sfJob = async () => stack.runtime.writeQueue.getJob(`write.${sf!.id}`);
    await eventually(async () => (await (await sfJob())?.getState()) === 'delayed', 20_000, 50);
    expect(stack.sandbox.recorder.find({ status: 403 }).slice(refusedBefore).some((r) => r.path.startsWith('/services/data/v59.0/'))).toBe(true);
    expect((await sfJob())!.delay).toBeGreaterThan(14 * 60_000);
    // Waiting for the allocation is no failure: nothing dead-lettered, the attempt given back.
    const pending = await store.db.selectFrom('outbox').select('attempts').where('tenant_id', '=', sf!.id).where('status', '=', 'pending').execute();
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((p) => p.attempts === 0)).toBe(true);
    expect(await store.db.selectFrom('dead_letters').selectAll().execute()).toEqual([]);
    // …and no other tenant is paused: HubSpot's contact is written meanwhile.
    await eventually(async () => stack.sandbox.portal().contacts.get('201')?.properties.kindling_score !== undefined, 20_000, 50);
    expect(await (await stack.runtime.writeQueue.getJob(`write.${hs!.id}`))?.getState()).not.toBe('delayed');
    expect(await store.db.selectFrom('outbox').select('id').where('tenant_id', '=', hs!.id).where('status', '=', 'pending').execute()).toEqual([]);
  });

  it('retries a record Salesforce could not lock (UNABLE_TO_LOCK_ROW) instead of dead-lettering it', async () => {
    stack.sandbox.salesforce.org.locked.set(LEAD, 1);
    await demoRequest();
    await idle();
    expect(stack.sandbox.salesforce.org.locked.get(LEAD)).toBe(0);
    expect(await store.db.selectFrom('dead_letters').selectAll().execute()).toEqual([]);
    expect(stack.sandbox.salesforce.org.objects.get('Lead')!.get(LEAD)).toMatchObject({ Kindling_Grade__c: 'A', Status: 'Marketing Qualified' });
  });

  it('hands off a Lead at once when a meeting is booked with it in Salesforce (an Event), with one task', async () => {
    const booked = () => stack.sandbox.salesforce.sendOutbound(endpoint, [{ id: '04l000000000041AAA', type: 'Event', fields: { Id: '00U000000000041AAA', WhoId: LEAD, CreatedDate: new Date(Date.now() - 60_000).toISOString(), StartDateTime: new Date(Date.now() + 86_400_000).toISOString(), Subject: 'Intro call' } }]);
    expect((await booked()).body).toContain('<Ack>true</Ack>');
    await idle();
    expect((await booked()).body).toContain('<Ack>true</Ack>'); // Salesforce retries: the same booking
    await idle();
    const tasks = [...stack.sandbox.salesforce.org.objects.get('Task')!.values()];
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ WhoId: LEAD, Priority: 'High' });
    expect(String(tasks[0]!.Subject)).toMatch(/booked a meeting/);
    expect(stack.sandbox.salesforce.org.objects.get('Lead')!.get(LEAD)).toMatchObject({ Kindling_Track__c: 'handoff', Status: 'Marketing Qualified' });
  });

  it('rides out Salesforce being unavailable (503): the writes wait and go through once, the task created once', async () => {
    stack.sandbox.setFaults({ errorRate: 1 });
    await demoRequest();
    // The recompute's profile read is refused first: the job fails and is retried with backoff.
    await eventually(() => stack.sandbox.recorder.find({ status: 503 }).length >= 2, 20_000, 50);
    stack.sandbox.setFaults({ errorRate: 0 });
    await sweepNow(stack); // rather than wait out the backoff
    await idle();
    expect(await store.db.selectFrom('dead_letters').selectAll().execute()).toEqual([]);
    expect([...stack.sandbox.salesforce.org.objects.get('Task')!.values()].filter((t) => t.WhoId === LEAD)).toHaveLength(1);
    expect(stack.sandbox.salesforce.org.objects.get('Lead')!.get(LEAD)).toMatchObject({ Kindling_Track__c: 'handoff', Status: 'Marketing Qualified' });
  });

  it('uninstall revokes the refresh token at Salesforce and stops writes; messages are then refused', async () => {
    const { cookies } = await install(stack.url, 'salesforce');
    const session = (await (await fetch(`${stack.url}/api/session`, { headers: { cookie: cookies } })).json()) as { csrfToken: string; crm: string };
    expect(session.crm).toBe('salesforce');
    const res = await fetch(`${stack.url}/api/uninstall`, { method: 'POST', headers: { cookie: cookies, 'x-csrf-token': session.csrfToken } });
    expect(await res.json()).toEqual({ status: 'uninstalled' });
    expect(stack.sandbox.recorder.find({ method: 'POST', path: '/services/oauth2/revoke' })).toHaveLength(1);
    expect(await store.db.selectFrom('tenants').select(['status', 'refresh_token_enc']).executeTakeFirstOrThrow()).toEqual({ status: 'uninstalled', refresh_token_enc: null });
    const after = await demoRequest('04l000000000009AAA');
    expect(after.body).toContain('has not installed Kindling');
  });

  it('answers a SOAP fault with a reason for a malformed envelope, a wrong endpoint, or an org that did not install', async () => {
    const post = (url: string, body: string) => fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
    const bad = await post(endpoint, '<not-soap/>');
    expect(bad.status).toBe(500);
    expect(await bad.text()).toContain('<faultstring>not a Salesforce Outbound Message SOAP envelope</faultstring>');
    const other = `${stack.url}/webhooks/salesforce/${outboundPathToken(stack.encryptionKey, '00D000000000999EAA')}`;
    const res = await stack.sandbox.salesforce.sendOutbound(other, [{ id: '04l000000000004AAA', type: 'Lead', fields: { Id: '00Q000000000101AAA' } }]);
    expect(res.body).toContain('this endpoint does not belong to that organization');
    expect(await store.db.selectFrom('events').selectAll().execute()).toHaveLength(0);
  });
});
