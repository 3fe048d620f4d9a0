import { createSalesforceConnector } from '../../src/crm/salesforce/connector';
import { RateLimited } from '../../src/errors';
import type { Tenant } from '../../src/store/tables';
import { pinServer } from '../helpers/pin-server';

// jsforce sends through its own undici agent, which nock does not intercept: its requests are pinned on a
// loopback server that keeps each request exactly as sent and answers scripted replies.
const V = '/services/data/v59.0';
let refreshed: string[] = [];
const connector = createSalesforceConnector({ tokens: { accessToken: async () => 'sf-1', refreshAfterUnauthorized: async (_t, rejected) => (refreshed.push(rejected), 'sf-2') } });
let org: Awaited<ReturnType<typeof pinServer>>;
let tenant: Tenant;

beforeEach(async () => {
  refreshed = [];
  org = await pinServer();
  tenant = { id: 't1', crm: 'salesforce', account_id: '00D000000000001EAA', status: 'active', instance_url: org.url, settings: { campaigns: { educate: { campaignId: '701A' } }, cadences: { re_engage: { cadenceId: '77C1', userId: '005U' } } } } as unknown as Tenant;
});
afterEach(async () => {
  expect(org.pending()).toBe(0);
  await org.close();
});

const body = (i: number) => JSON.parse(org.requests[i]!.body);

describe('the Salesforce connector sends exactly these jsforce requests', () => {
  it('reads profiles by id with the collections resource, never SOQL', async () => {
    org.reply(200, [{ attributes: { type: 'Lead' }, Id: '00Q1', FirstName: 'Ana', Title: 'VP Sales', NumberOfEmployees: 300, Email: 'ana@globex.example', Status: 'Marketing Qualified' }, null]);
    const profiles = await connector.readProfiles(tenant, 'lead', ['00Q1', '00Q2']);
    expect(org.requests[0]).toMatchObject({ method: 'POST', path: `${V}/composite/sobjects/Lead`, headers: expect.objectContaining({ authorization: 'Bearer sf-1' }) });
    expect(body(0).ids).toEqual(['00Q1', '00Q2']);
    expect(body(0).fields).toEqual(expect.arrayContaining(['Id', 'Title', 'NumberOfEmployees', 'Status', 'HasOptedOutOfEmail']));
    expect(profiles.get('00Q1')).toMatchObject({ firstName: 'Ana', jobTitle: 'VP Sales', companySize: 300, emailDomain: 'globex.example', lifecycleStage: 'mql' });
    expect(profiles.has('00Q2')).toBe(false);
  });

  it('writes fields as one sObject Collections update (allOrNone false) and judges each record', async () => {
    org.reply(200, [{ id: '00Q1', success: true, errors: [] }, { id: '00Q2', success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Score locked', fields: [] }] }]);
    const results = await connector.updateProperties(tenant, [
      { objectType: 'lead', contactId: '00Q1', properties: { score: 82, grade: 'A', track: 'handoff' } },
      { objectType: 'lead', contactId: '00Q2', properties: { score: 5 } },
    ]);
    expect(org.requests[0]).toMatchObject({ method: 'PATCH', path: `${V}/composite/sobjects` });
    expect(body(0)).toEqual({ allOrNone: false, records: [{ id: '00Q1', attributes: { type: 'Lead' }, Kindling_Score__c: 82, Kindling_Grade__c: 'A', Kindling_Track__c: 'handoff' }, { id: '00Q2', attributes: { type: 'Lead' }, Kindling_Score__c: 5 }] });
    expect(results).toEqual([{ ok: true, id: '00Q1' }, { ok: false, permanent: true, error: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Score locked' }]);
  });

  it('creates a task with WhoId, OwnerId, ActivityDate and Priority from the handoff', async () => {
    org.reply(200, [{ id: '00T1', success: true, errors: [] }]);
    const r = await connector.createTasks(tenant, [{ objectType: 'lead', contactId: '00Q1', task: { subject: 'Ana Lima (Globex) — requested a demo, score 80', body: 'Why now', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'r', ownerId: '005U' } }]);
    expect(r).toEqual([{ ok: true, id: '00T1' }]);
    expect(org.requests[0]).toMatchObject({ method: 'POST', path: `${V}/composite/sobjects` });
    expect(body(0)).toEqual({ allOrNone: false, records: [{ attributes: { type: 'Task' }, WhoId: '00Q1', Subject: 'Ana Lima (Globex) — requested a demo, score 80', Description: 'Why now', ActivityDate: '2026-11-20', Priority: 'High', Status: 'Not Started', OwnerId: '005U' }] });
  });

  it('looks a task up with SOQL that jsforce built and escaped', async () => {
    org.reply(200, { totalSize: 1, done: true, records: [{ Id: '00T1' }] });
    expect(await connector.findTask(tenant, { objectType: 'lead', contactId: '00Q1', task: { subject: "O'Hara — demo", body: '', priority: 'HIGH', dueAt: '2026-11-20T00:00:00Z', reason: 'r' } })).toBe('00T1');
    const url = new URL(org.requests[0]!.path, org.url);
    expect(url.pathname).toBe(`${V}/query`);
    expect(url.searchParams.get('q')).toBe("SELECT Id FROM Task WHERE WhoId = '00Q1' AND Subject = 'O\\'Hara — demo' LIMIT 1");
  });

  it('enrolls through campaign membership, or a Sales Engagement cadence where mapped', async () => {
    org.reply(200, [{ id: '00v1', success: true, errors: [] }]);
    org.reply(200, [{ actionName: 'assignTargetToSalesCadence', isSuccess: true, errors: null }]);
    expect(await connector.enroll(tenant, 'lead', '00Q1', 'educate')).toEqual({ ok: true, id: '00v1' });
    expect(body(0)).toEqual({ allOrNone: false, records: [{ attributes: { type: 'CampaignMember' }, CampaignId: '701A', LeadId: '00Q1', Status: 'Sent' }] });
    expect(await connector.enroll(tenant, 'lead', '00Q1', 're_engage')).toEqual({ ok: true, detail: { cadence: '77C1' } });
    expect(org.requests[1]).toMatchObject({ method: 'POST', path: `${V}/actions/standard/assignTargetToSalesCadence` });
    expect(body(1)).toEqual({ inputs: [{ salesCadenceNameOrId: '77C1', targetId: '00Q1', userId: '005U' }] });
  });

  it('looks a long subject up cut to 255 characters, as the task was created', async () => {
    const task = { objectType: 'lead' as const, contactId: '00Q1', task: { subject: `Ana Lima (Globex) — ${'requested a demo, '.repeat(20)}score 80`, body: '', priority: 'HIGH' as const, dueAt: '2026-11-20T00:00:00Z', reason: 'r' } };
    org.reply(200, [{ id: '00T1', success: true, errors: [] }]);
    org.reply(200, { totalSize: 1, done: true, records: [{ Id: '00T1' }] });
    await connector.createTasks(tenant, [task]);
    expect(await connector.findTask(tenant, task)).toBe('00T1');
    const stored = body(0).records[0].Subject as string;
    expect(stored).toHaveLength(255);
    expect(new URL(org.requests[1]!.path, org.url).searchParams.get('q')).toBe(`SELECT Id FROM Task WHERE WhoId = '00Q1' AND Subject = '${stored}' LIMIT 1`);
  });

  it('reads task statuses by id with the collections resource: Id, Status, IsClosed', async () => {
    org.reply(200, [{ attributes: { type: 'Task' }, Id: '00T1', Status: 'Completed', IsClosed: true }, { attributes: { type: 'Task' }, Id: '00T2', Status: 'Not Started', IsClosed: false }, null]);
    const statuses = await connector.readTaskStatuses(tenant, ['00T1', '00T2', '00T3']);
    expect(org.requests[0]).toMatchObject({ method: 'POST', path: `${V}/composite/sobjects/Task` });
    expect(body(0)).toEqual({ ids: ['00T1', '00T2', '00T3'], fields: ['Id', 'Status', 'IsClosed'] });
    expect(statuses).toEqual(new Map([['00T1', { completed: true }], ['00T2', { completed: false }]]));
  });

  it("unenrolls by setting the campaign member's status to Removed, or through the cadence removal action", async () => {
    org.reply(200, { totalSize: 1, done: true, records: [{ Id: '00v1' }] });
    org.reply(200, [{ id: '00v1', success: true, errors: [] }]);
    org.reply(200, [{ actionName: 'removeTargetFromSalesCadence', isSuccess: true, errors: null }]);
    expect(await connector.unenroll(tenant, 'lead', '00Q1', 'educate')).toEqual({ ok: true, id: '00v1' });
    expect(new URL(org.requests[0]!.path, org.url).searchParams.get('q')).toBe("SELECT Id FROM CampaignMember WHERE CampaignId = '701A' AND LeadId = '00Q1'");
    expect(org.requests[1]).toMatchObject({ method: 'PATCH', path: `${V}/composite/sobjects` });
    expect(body(1)).toEqual({ allOrNone: false, records: [{ id: '00v1', attributes: { type: 'CampaignMember' }, Status: 'Removed' }] });
    expect(await connector.unenroll(tenant, 'lead', '00Q1', 're_engage')).toEqual({ ok: true, detail: { cadence: '77C1' } });
    expect(org.requests[2]).toMatchObject({ method: 'POST', path: `${V}/actions/standard/removeTargetFromSalesCadence` });
    expect(body(2)).toEqual({ inputs: [{ targetId: '00Q1', completionReasonCode: 'ManuallyRemoved' }] });
  });

  it('judges a per-record UNABLE_TO_LOCK_ROW transient, so the writer retries it', async () => {
    org.reply(200, [
      { id: '00Q1', success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] },
      { id: '00Q2', success: false, errors: [{ statusCode: 'CANNOT_EXECUTE_FLOW_TRIGGER', message: 'The flow failed: UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record', fields: [] }] },
      { id: '00Q3', success: false, errors: [{ statusCode: 'INVALID_FIELD', message: 'No such column', fields: [] }] },
    ]);
    const results = await connector.updateProperties(tenant, ['00Q1', '00Q2', '00Q3'].map((contactId) => ({ objectType: 'lead' as const, contactId, properties: { score: 3 } })));
    expect(results.map((r) => !r.ok && r.permanent)).toEqual([false, false, true]);
    expect(results[0]).toEqual({ ok: false, permanent: false, error: 'UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record' });
  });

  it('refreshes once on INVALID_SESSION_ID, and pauses on REQUEST_LIMIT_EXCEEDED', async () => {
    org.reply(401, [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }]);
    org.reply(200, [{ id: '00Q1', success: true, errors: [] }]);
    expect(await connector.updateProperties(tenant, [{ objectType: 'lead', contactId: '00Q1', properties: { score: 1 } }])).toEqual([{ ok: true, id: '00Q1' }]);
    expect(refreshed).toEqual(['sf-1']);
    expect(org.requests.map((r) => r.headers.authorization)).toEqual(['Bearer sf-1', 'Bearer sf-2']);
    org.reply(403, [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }]);
    await expect(connector.updateProperties(tenant, [{ objectType: 'lead', contactId: '00Q1', properties: { score: 2 } }])).rejects.toBeInstanceOf(RateLimited);
  });
});

describe('a stage value the mapping does not know belongs to sales', () => {
  it('reads an unknown Lead Status as past MQL, an empty one as no stage, Closed - Not Converted as disqualified', async () => {
    org.reply(200, ['Nurturing - Partner', null, '', 'Closed - Not Converted'].map((Status, i) => ({ attributes: { type: 'Lead' }, Id: `00Q${i + 1}`, LastName: 'L', Status })));
    const profiles = await connector.readProfiles(tenant, 'lead', ['00Q1', '00Q2', '00Q3', '00Q4']);
    expect(['00Q1', '00Q2', '00Q3', '00Q4'].map((id) => profiles.get(id)?.lifecycleStage)).toEqual(['sql', undefined, undefined, 'disqualified']);
  });

  it('never writes the stage over an unknown value, and moves an empty one forward', async () => {
    org.reply(200, [{ attributes: { type: 'Lead' }, Id: '00Q1', Status: 'Nurturing - Partner' }, { attributes: { type: 'Lead' }, Id: '00Q2', Status: null }]);
    org.reply(200, [{ id: '00Q1', success: true, errors: [] }, { id: '00Q2', success: true, errors: [] }]);
    await connector.updateProperties(tenant, ['00Q1', '00Q2'].map((contactId) => ({ objectType: 'lead' as const, contactId, properties: { score: 70, stage: 'mql' } })));
    expect(body(0)).toEqual({ ids: ['00Q1', '00Q2'], fields: ['Id', 'Status'] });
    expect(body(1).records).toEqual([{ id: '00Q1', attributes: { type: 'Lead' }, Kindling_Score__c: 70 }, { id: '00Q2', attributes: { type: 'Lead' }, Kindling_Score__c: 70, Status: 'Marketing Qualified' }]);
  });
});
