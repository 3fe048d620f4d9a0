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
    nock(API)
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(207, { status: 'COMPLETE', results: [{ id: '1', properties: {} }], numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Object not found', context: { ids: ['2'] }, errors: [], links: {} }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const results = await connector.updateProperties(tenant, [{ objectType: 'contact', contactId: '1', properties: { score: 1 } }, { objectType: 'contact', contactId: '2', properties: { score: 2 } }]);
    expect(results).toEqual([{ ok: true, id: '1' }, { ok: false, permanent: true, error: 'Object not found' }]);
  });

  it('reads the current stage first and moves it forward only', async () => {
    let read: unknown;
    let update: unknown;
    nock(API)
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
    nock(API)
      .post('/crm/v3/objects/tasks/batch/create', (b) => ((body = b), true))
      .reply(201, { status: 'COMPLETE', results: [{ id: '9001', properties: {}, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false }], startedAt: '2026-01-01T00:00:00Z', completedAt: '2026-01-01T00:00:00Z' });
    const results = await connector.createTasks(tenant, [{ objectType: 'contact', contactId: '101', task: { subject: 'Jane Doe (Acme) — requested a demo, score 82', body: 'Why now: <demo>\nSecond line', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'Requested a demo', ownerId: '7001' } }]);
    expect(results).toEqual([{ ok: true, id: '9001' }]);
    expect(batchCreateSchema.safeParse(body).success).toBe(true);
    expect(body!.inputs[0]).toEqual({
      properties: { hs_task_subject: 'Jane Doe (Acme) — requested a demo, score 82', hs_task_body: 'Why now: &lt;demo&gt;<br>Second line', hs_task_priority: 'HIGH', hs_task_status: 'NOT_STARTED', hs_timestamp: '2026-11-20T13:00:00.000Z', hubspot_owner_id: '7001' },
      associations: [{ to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] }],
    });
  });

  it('looks a task up by its subject after an ambiguous failure', async () => {
    let body: unknown;
    nock(API).post('/crm/v3/objects/tasks/search', (b) => ((body = b), true)).reply(200, { total: 1, results: [{ id: '9001', properties: {} }] });
    const id = await connector.findTask(tenant, { objectType: 'contact', contactId: '101', task: { subject: 'S', body: '', priority: 'HIGH', dueAt: '2026-11-20T13:00:00.000Z', reason: 'r' } });
    expect(id).toBe('9001');
    expect(body).toEqual({ filterGroups: [{ filters: [{ propertyName: 'hs_task_subject', operator: 'EQ', value: 'S' }] }], properties: ['hs_task_subject'], limit: 10 });
    expect(searchSchema.safeParse(body).success).toBe(true);
  });

  it('enrolls in the mapped sequence with the sender as userId; a contact already in a sequence is skipped', async () => {
    let body: unknown;
    nock(API)
      .post('/automation/v4/sequences/enrollments', (b) => ((body = b), true))
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
});
