import nock from 'nock';
import { createHubSpotConnector } from '../../src/crm/hubspot/connector';
import { PermanentCrmError, RateLimited, TransientCrmError } from '../../src/errors';
import type { Tenant } from '../../src/store/tables';
import { batchCreateSchema, batchReadSchema, batchUpdateSchema, searchSchema, sequenceEnrollmentSchema } from '../../scripts/sandbox/hubspot/schemas';

const API = 'https://api.hubapi.test';
const tenant = { id: 't1', crm: 'hubspot', account_id: '62515', status: 'active', settings: { tracks: { educate: { sequenceId: '1002', senderUserId: '7001', senderEmail: 'rep@acme.io' } } } } as unknown as Tenant;
let refreshed: string[] = [];
const connector = createHubSpotConnector({
  apiBase: API,
  tokens: { accessToken: async () => 'tok-1', refreshAfterUnauthorized: async (_t, rejected) => (refreshed.push(rejected), 'tok-2') },
  limiter: { take: async () => {}, pause: async () => {} },
});

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => {
  refreshed = [];
});
afterEach(() => {
  expect(nock.isDone()).toBe(true);
  nock.cleanAll();
});

/** HubSpot as every request must reach it: with the tenant's bearer token. */
const hubspot = () => nock(API, { reqheaders: { authorization: 'Bearer tok-1' } });

describe('the HubSpot connector sends exactly these requests', () => {
  it('writes scores as one contacts batch update, with HubSpot property names and string values', async () => {
    let body: unknown;
    nock(API, { reqheaders: { authorization: 'Bearer tok-1' } })
      .post('/crm/v3/objects/contacts/batch/update', (b) => ((body = b), true))
      .reply(200, { status: 'COMPLETE', results: [{ id: '1', properties: {} }, { id: '2', properties: {} }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const results = await connector.updateProperties(tenant, [
      { objectType: 'contact', contactId: '1', properties: { score: 82, grade: 'A', track: 'handoff', reasonsSummary: '+25 requested a demo' } },
      { objectType: 'contact', contactId: '2', properties: { score: 5 } },
    ]);
    expect(body).toEqual({ inputs: [{ id: '1', properties: { kindling_score: '82', kindling_grade: 'A', kindling_track: 'handoff', kindling_reasons: '+25 requested a demo' } }, { id: '2', properties: { kindling_score: '5' } }] });
    expect(batchUpdateSchema.safeParse(body).success).toBe(true);
    expect(results).toEqual([{ ok: true, id: '1' }, { ok: true, id: '2' }]);
  });

  it('judges each item of a 207: only the failed contact fails', async () => {
    hubspot()
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(207, { status: 'COMPLETE', results: [{ id: '1', properties: {} }], numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Object not found', context: { ids: ['2'] }, errors: [], links: {} }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const results = await connector.updateProperties(tenant, [{ objectType: 'contact', contactId: '1', properties: { score: 1 } }, { objectType: 'contact', contactId: '2', properties: { score: 2 } }]);
    expect(results).toEqual([{ ok: true, id: '1' }, { ok: false, permanent: true, error: 'Object not found' }]);
  });

  it('reads the current stage first and moves it forward only', async () => {
    let read: unknown;
    let update: unknown;
    hubspot()
      .post('/crm/v3/objects/contacts/batch/read', (b) => ((read = b), true))
      .reply(200, { status: 'COMPLETE', results: [{ id: '1', properties: { lifecyclestage: 'lead' } }, { id: '2', properties: { lifecyclestage: 'opportunity' } }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' })
      .post('/crm/v3/objects/contacts/batch/update', (b) => ((update = b), true))
      .reply(200, { status: 'COMPLETE', results: [{ id: '1', properties: {} }, { id: '2', properties: {} }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    await connector.updateProperties(tenant, [{ objectType: 'contact', contactId: '1', properties: { stage: 'mql' } }, { objectType: 'contact', contactId: '2', properties: { stage: 'mql', score: 70 } }]);
    expect(read).toEqual({ inputs: [{ id: '1' }, { id: '2' }], properties: ['lifecyclestage'], propertiesWithHistory: [] });
    expect(batchReadSchema.safeParse(read).success).toBe(true);
    expect(update).toEqual({ inputs: [{ id: '1', properties: { lifecyclestage: 'marketingqualifiedlead' } }, { id: '2', properties: { kindling_score: '70' } }] });
  });

  it('creates tasks in one batch, associated to the contact (type 204), owned and due as the payload says', async () => {
    let body: { inputs: Array<{ properties: Record<string, string>; associations: unknown }> } | undefined;
    hubspot()
      .post('/crm/v3/objects/tasks/batch/create', (b) => ((body = b), true))
      .matchHeader('content-type', /^application\/json/)
      .reply(201, { status: 'COMPLETE', results: [{ id: '9001', objectWriteTraceId: '0', properties: {}, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const results = await connector.createTasks(tenant, [{ objectType: 'contact', contactId: '101', task: { subject: 'Jane Doe (Acme) — requested a demo, score 82', body: 'Why now: <demo>\nSecond line', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'Requested a demo', ownerId: '7001' } }]);
    expect(results).toEqual([{ ok: true, id: '9001' }]);
    expect(batchCreateSchema.safeParse(body).success).toBe(true);
    expect(body!.inputs[0]).toEqual({
      properties: { hs_task_subject: 'Jane Doe (Acme) — requested a demo, score 82', hs_task_body: 'Why now: &lt;demo&gt;<br>Second line', hs_task_priority: 'HIGH', hs_task_status: 'NOT_STARTED', hs_timestamp: '2026-11-20T13:00:00.000Z', hubspot_owner_id: '7001' },
      associations: [{ to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] }],
      objectWriteTraceId: '0',
    });
  });

  it('looks a task up among the contact\'s own task associations after an ambiguous failure, not by subject across the portal', async () => {
    let read: unknown;
    hubspot()
      .get('/crm/v4/objects/contacts/101/associations/tasks')
      .query({ limit: '500' })
      .reply(200, { results: [{ toObjectId: '9001', associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 203 }] }, { toObjectId: '9002', associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 203 }] }], paging: { next: { after: '2' } } })
      .get('/crm/v4/objects/contacts/101/associations/tasks')
      .query({ after: '2', limit: '500' })
      .reply(200, { results: [{ toObjectId: '9003', associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 203 }] }] })
      .post('/crm/v3/objects/tasks/batch/read', (b) => ((read = b), true))
      .reply(200, { status: 'COMPLETE', results: [{ id: '9001', properties: { hs_task_subject: 'Other' } }, { id: '9003', properties: { hs_task_subject: 'S' } }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const id = await connector.findTask(tenant, { objectType: 'contact', contactId: '101', task: { subject: 'S', body: '', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'r' } });
    expect(id).toBe('9003');
    expect(read).toEqual({ inputs: [{ id: '9001' }, { id: '9002' }, { id: '9003' }], properties: ['hs_task_subject'], propertiesWithHistory: [] });
    expect(batchReadSchema.safeParse(read).success).toBe(true);
  });

  it('finds no task when the contact has none with that subject', async () => {
    hubspot().get('/crm/v4/objects/contacts/101/associations/tasks').query(true).reply(200, { results: [] });
    expect(await connector.findTask(tenant, { objectType: 'contact', contactId: '101', task: { subject: 'S', body: '', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'r' } })).toBeUndefined();
  });

  it('pairs created tasks with their inputs by trace id, whatever order HubSpot answers in, and judges a 207 per task', async () => {
    let body: { inputs: Array<{ objectWriteTraceId?: string }> } | undefined;
    const task = (contactId: string) => ({ objectType: 'contact' as const, contactId, task: { subject: `S${contactId}`, body: '', priority: 'HIGH' as const, dueAt: '2026-11-20T13:00:00.000Z', reason: 'r' } });
    const at = { createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false, properties: {} };
    hubspot()
      .post('/crm/v3/objects/tasks/batch/create', (b) => ((body = b), true))
      .reply(207, {
        status: 'COMPLETE', startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z', numErrors: 1,
        results: [{ id: '9003', objectWriteTraceId: '2', ...at }, { id: '9001', objectWriteTraceId: '0', ...at }],
        errors: [{ status: 'error', category: 'VALIDATION_ERROR', message: 'One or more associations are invalid', context: { objectWriteTraceId: ['1'] }, errors: [], links: {} }],
      });
    const results = await connector.createTasks(tenant, [task('1'), task('2'), task('3'), task('4')]);
    expect(body!.inputs.map((i) => i.objectWriteTraceId)).toEqual(['0', '1', '2', '3']);
    expect(batchCreateSchema.safeParse(body).success).toBe(true);
    expect(results).toEqual([
      { ok: true, id: '9001' },
      { ok: false, permanent: true, error: 'One or more associations are invalid' },
      { ok: true, id: '9003' },
      // Neither created nor refused: unknown, so retried (and looked up first, never blindly resent).
      { ok: false, permanent: false, error: 'HubSpot returned no result for this task' },
    ]);
  });

  it('reads tasks\' status in one batch and reports the completed ones with HubSpot\'s completion time', async () => {
    let body: unknown;
    hubspot()
      .post('/crm/v3/objects/tasks/batch/read', (b) => ((body = b), true))
      .reply(207, { status: 'COMPLETE', results: [{ id: '9001', properties: { hs_task_status: 'COMPLETED', hs_task_completion_date: '1795000000000' } }, { id: '9002', properties: { hs_task_status: 'NOT_STARTED', hs_task_completion_date: null } }], numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'gone', context: { ids: ['9003'] }, errors: [], links: {} }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const statuses = await connector.readTaskStatuses(tenant, ['9001', '9002', '9003']);
    expect(body).toEqual({ inputs: [{ id: '9001' }, { id: '9002' }, { id: '9003' }], properties: ['hs_task_status', 'hs_task_completion_date'], propertiesWithHistory: [] });
    expect([...statuses]).toEqual([['9001', { completed: true, completedAt: new Date(1795000000000).toISOString() }], ['9002', { completed: false }]]);
  });

  it('never writes over a lifecycle stage it has no mapping for (evangelist, a custom stage)', async () => {
    let update: unknown;
    hubspot()
      .post('/crm/v3/objects/contacts/batch/read')
      .reply(200, { status: 'COMPLETE', results: [{ id: '1', properties: { lifecyclestage: 'evangelist' } }, { id: '2', properties: { lifecyclestage: null } }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' })
      .post('/crm/v3/objects/contacts/batch/update', (b) => ((update = b), true))
      .reply(200, { status: 'COMPLETE', results: [{ id: '1', properties: {} }, { id: '2', properties: {} }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    await connector.updateProperties(tenant, [{ objectType: 'contact', contactId: '1', properties: { stage: 'mql', score: 80 } }, { objectType: 'contact', contactId: '2', properties: { stage: 'mql' } }]);
    expect(update).toEqual({ inputs: [{ id: '1', properties: { kindling_score: '80' } }, { id: '2', properties: { lifecyclestage: 'marketingqualifiedlead' } }] });
  });

  it('reads a stage it has no mapping for as owned by sales, so the engine leaves the contact alone', async () => {
    hubspot()
      .post('/crm/v3/objects/contacts/batch/read')
      .reply(200, { status: 'COMPLETE', results: [{ id: '1', properties: { lifecyclestage: 'evangelist', email: 'a@acme.io' } }, { id: '2', properties: { lifecyclestage: 'customer' } }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const profiles = await connector.readProfiles(tenant, 'contact', ['1', '2']);
    expect(profiles.get('1')).toMatchObject({ lifecycleStage: 'sql' });
    expect(profiles.get('1')!.isCustomer).toBeUndefined();
    expect(profiles.get('2')).toMatchObject({ lifecycleStage: 'customer', isCustomer: true });
  });

  it('lists every page of the installing user\'s sequences, each with its sender\'s email from every page of owners', async () => {
    const installed = { ...tenant, installed_by: '7001' } as Tenant;
    const seq = (id: string, name: string) => ({ id, name, userId: '7001', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' });
    hubspot()
      .get('/automation/v4/sequences').query({ userId: '7001', limit: '100' }).reply(200, { total: 2, results: [seq('1001', 'Welcome')], paging: { next: { after: 'p2' } } })
      .get('/automation/v4/sequences').query({ userId: '7001', limit: '100', after: 'p2' }).reply(200, { total: 2, results: [seq('1003', 'Re-engage')] })
      .get('/crm/v3/owners/').query({ limit: '500' }).reply(200, { results: [{ id: '1', userId: 7002, email: 'other@acme.io', archived: false }], paging: { next: { after: 'o2' } } })
      .get('/crm/v3/owners/').query({ limit: '500', after: 'o2' }).reply(200, { results: [{ id: '2', userId: 7001, email: 'rep@acme.io', archived: false }] });
    const targets = await connector.listNurtureTargets(installed);
    expect(targets).toEqual([
      { id: 'sequence:1001:7001', label: 'Welcome', kind: 'sequence', detail: { sequenceId: '1001', senderUserId: '7001', senderEmail: 'rep@acme.io' } },
      { id: 'sequence:1003:7001', label: 'Re-engage', kind: 'sequence', detail: { sequenceId: '1003', senderUserId: '7001', senderEmail: 'rep@acme.io' } },
    ]);
  });

  it('enrolls in the mapped sequence with the sender as userId; a contact already in a sequence is skipped', async () => {
    let body: unknown;
    hubspot()
      .post('/automation/v4/sequences/enrollments', (b) => ((body = b), true))
      .matchHeader('content-type', /^application\/json/)
      .query({ userId: '7001' })
      .reply(200, { id: 'enr-1', sequenceId: '1002', sequenceName: 'Educate', enrolledAt: '2026-01-01T00:00:00Z', enrolledBy: '7001', enrolledByEmail: 'rep@acme.io', toEmail: 'j@acme.io', updatedAt: '2026-01-01T00:00:00Z' })
      .post('/automation/v4/sequences/enrollments')
      .query(true)
      .reply(400, { status: 'error', category: 'VALIDATION_ERROR', message: 'Contact is already enrolled in a sequence', correlationId: 'c' });
    expect(await connector.enroll(tenant, 'contact', '101', 'educate')).toEqual({ ok: true, id: 'enr-1' });
    expect(body).toEqual({ contactId: '101', sequenceId: '1002', senderEmail: 'rep@acme.io' });
    expect(sequenceEnrollmentSchema.safeParse(body).success).toBe(true);
    expect(await connector.enroll(tenant, 'contact', '101', 'educate')).toEqual({ ok: true, detail: { skipped: 'contact is already in a HubSpot sequence' } });
    expect(await connector.enroll(tenant, 'contact', '101', 'welcome')).toEqual({ ok: true, detail: { skipped: 'no sequence mapped to the welcome track' } });
  });

  it('refreshes the token once after a 401 and retries with the new one', async () => {
    nock(API).post('/crm/v3/objects/contacts/batch/update').matchHeader('authorization', 'Bearer tok-1').reply(401, { status: 'error', category: 'EXPIRED_AUTHENTICATION', message: 'expired' });
    nock(API).post('/crm/v3/objects/contacts/batch/update').matchHeader('authorization', 'Bearer tok-2').reply(200, { status: 'COMPLETE', results: [{ id: '1', properties: {} }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    expect(await connector.updateProperties(tenant, [{ objectType: 'contact', contactId: '1', properties: { score: 1 } }])).toEqual([{ ok: true, id: '1' }]);
    expect(refreshed).toEqual(['tok-1']);
  });

  it('turns 429 into a wait, 5xx into a transient error and other 4xx into a permanent one with HubSpot\'s message', async () => {
    const call = () => connector.updateProperties(tenant, [{ objectType: 'contact', contactId: '1', properties: { score: 1 } }]);
    nock(API).post('/crm/v3/objects/contacts/batch/update').reply(429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }, { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000' });
    await expect(call()).rejects.toEqual(expect.objectContaining({ constructor: RateLimited, retryAfterMs: 10000 }));
    nock(API).post('/crm/v3/objects/contacts/batch/update').reply(502, 'bad gateway');
    await expect(call()).rejects.toBeInstanceOf(TransientCrmError);
    nock(API).post('/crm/v3/objects/contacts/batch/update').reply(400, { status: 'error', category: 'VALIDATION_ERROR', message: 'Property values were not valid', correlationId: 'c' });
    await expect(call()).rejects.toEqual(expect.objectContaining({ constructor: PermanentCrmError, message: '400 VALIDATION_ERROR Property values were not valid' }));
  });

  it('waits an hour, not seconds, when the account\'s daily limit is spent', async () => {
    nock(API).post('/crm/v3/objects/contacts/batch/update').reply(429, { status: 'error', message: 'You have reached your daily limit.', errorType: 'RATE_LIMIT', policyName: 'DAILY' });
    await expect(connector.updateProperties(tenant, [{ objectType: 'contact', contactId: '1', properties: { score: 1 } }])).rejects.toEqual(expect.objectContaining({ constructor: RateLimited, retryAfterMs: 3_600_000 }));
  });
});
