import { createServer } from 'node:http';
import { Client } from '@hubspot/api-client';
import { Connection } from 'jsforce';
import { type Sandbox, startSandbox } from '../../scripts/sandbox';
import { batchResponseSchema, enrollmentLiteSchema, enrollmentSchema, errorSchema, propertyListSchema, sequenceListSchema } from '../../scripts/sandbox/hubspot/schemas';
import { parseSoql } from '../../scripts/sandbox/salesforce/soql';
import { generateScenario } from '../../scripts/scenarios/generate';
import { verifyHubSpotSignature } from '../../src/crm/hubspot/signature';

async function token(s: Sandbox): Promise<string> {
  const consent = await fetch(`${s.url}/oauth/authorize?client_id=${s.app.clientId}&redirect_uri=${encodeURIComponent('http://cb.test/')}&state=x`, { redirect: 'manual' });
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const client = new Client({ basePath: s.url, numberOfApiCallRetries: 0 });
  const t = (await client.oauth.tokensApi.create('authorization_code', code, 'http://cb.test/', s.app.clientId, s.app.clientSecret)) as { accessToken: string };
  return t.accessToken;
}

describe('the CRM sandbox', () => {
  let s: Sandbox;
  beforeEach(async () => {
    s = await startSandbox({ hubspot: { burstPer10s: 5, burstIntervalMs: 60_000 } });
    s.seedContacts([{ id: '1', properties: { email: 'a@x.io' } }]);
  });
  afterEach(() => s.close());

  it('answers the real HubSpot SDK over HTTP: OAuth code exchange, token info, batch read', async () => {
    const at = await token(s);
    const client = new Client({ basePath: s.url, accessToken: at, numberOfApiCallRetries: 0 });
    const info = await client.oauth.accessTokensApi.get(at);
    expect(info).toMatchObject({ hubId: 62515, appId: 424242 });
    const read = await client.crm.contacts.batchApi.read({ inputs: [{ id: '1' }, { id: '2' }], properties: ['email'], propertiesWithHistory: [] });
    expect(read.results.map((r) => r.properties.email)).toEqual(['a@x.io']);
    expect((read as unknown as { errors: Array<{ category: string }> }).errors[0]!.category).toBe('OBJECT_NOT_FOUND');
  });

  it('answers in the shapes HubSpot documents (contract): batches, errors, properties, sequences, enrollments', async () => {
    // Its own sandbox: more calls than this suite's burst limit allows.
    const own = await startSandbox({});
    own.seedContacts([{ id: '1', properties: { email: 'a@x.io' } }]);
    const at = await token(own);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${own.url}${path}`, { method, headers: { authorization: `Bearer ${at}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const read = await call('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: '1' }, { id: '404' }], properties: ['email'], propertiesWithHistory: [] });
    expect(read.status).toBe(207);
    expect(batchResponseSchema.parse(read.body)).toMatchObject({ numErrors: 1, errors: [{ category: 'OBJECT_NOT_FOUND', context: { ids: ['404'] } }] });
    const update = await call('POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: '1', properties: { firstname: 'Ann' }, objectWriteTraceId: 't-1' }] });
    expect(update.status).toBe(200);
    expect(batchResponseSchema.parse(update.body).results[0]!.properties.firstname).toBe('Ann');
    const task = await call('POST', '/crm/v3/objects/tasks/batch/create', { inputs: [{ properties: { hs_task_subject: 'Call', hs_timestamp: '2026-11-20T12:00:00Z' }, associations: [{ to: { id: '1' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] }], objectWriteTraceId: 'task-1' }] });
    expect(task.status).toBe(201);
    expect(batchResponseSchema.parse(task.body).results[0]!.objectWriteTraceId).toBe('task-1');
    const missing = await call('GET', '/crm/v3/objects/contacts/404');
    expect(missing.status).toBe(404);
    expect(errorSchema.parse(missing.body).category).toBe('OBJECT_NOT_FOUND');
    const props = propertyListSchema.parse((await call('GET', '/crm/v3/properties/contacts')).body);
    expect(props.results.find((p) => p.name === 'hubspotscore')).toMatchObject({ calculated: true, modificationMetadata: { readOnlyValue: true } });
    const sequences = sequenceListSchema.parse((await call('GET', '/automation/v4/sequences?userId=7001')).body);
    const enrolled = await call('POST', '/automation/v4/sequences/enrollments?userId=7001', { contactId: '1', sequenceId: sequences.results[0]!.id, senderEmail: 'rep@sandbox.example' });
    expect(enrolled.status).toBe(200);
    expect(enrollmentLiteSchema.strict().parse(enrolled.body).toEmail).toBe('a@x.io');
    const back = enrollmentSchema.parse((await call('GET', '/automation/v4/sequences/enrollments/contact/1')).body);
    expect(back).toMatchObject({ sequenceId: sequences.results[0]!.id, sequenceName: sequences.results[0]!.name, enrolledBy: '7001' });
    await own.close();
  });

  it('answers its own HTTP API: the requests it received, filtered, and faults set live for both CRMs', async () => {
    const at = await token(s);
    await fetch(`${s.url}/crm/v3/objects/contacts/1`, { headers: { authorization: `Bearer ${at}` } });
    await fetch(`${s.url}/crm/v3/objects/contacts/404`, { headers: { authorization: `Bearer ${at}` } });
    const requests = async (q: string) => (await (await fetch(`${s.url}/_sandbox/requests?${q}`)).json()) as Array<{ method: string; path: string; status: number }>;
    expect((await requests('path=/crm/v3/objects/contacts')).map((r) => [r.path, r.status])).toEqual([['/crm/v3/objects/contacts/1', 200], ['/crm/v3/objects/contacts/404', 404]]);
    expect((await requests('path=/crm&status=404')).map((r) => r.path)).toEqual(['/crm/v3/objects/contacts/404']);
    expect(await requests('method=DELETE')).toEqual([]);
    // Every API request fails now, HubSpot's with a 502, Salesforce's with its 503.
    expect((await fetch(`${s.url}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1 }) })).status).toBe(200);
    expect((await fetch(`${s.url}/crm/v3/objects/contacts/1`, { headers: { authorization: `Bearer ${at}` } })).status).toBe(502);
    const sf = await fetch(`${s.url}/services/data/v59.0/limits`);
    expect(sf.status).toBe(503);
    expect(await sf.json()).toEqual([{ errorCode: 'SERVER_UNAVAILABLE', message: 'Salesforce is temporarily unavailable' }]);
  });

  it('refuses a malformed batch update with HubSpot\'s error body naming the field', async () => {
    const at = await token(s);
    const res = await fetch(`${s.url}/crm/v3/objects/contacts/batch/update`, { method: 'POST', headers: { authorization: `Bearer ${at}`, 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ id: '1', properties: { kindling_score: 82 } }] }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { status: string; category: string; errors: Array<{ in: string }> };
    expect(body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(body.errors[0]!.in).toBe('inputs.0.properties.kindling_score');
  });

  it('enforces the burst limit per account with 429 TEN_SECONDLY_ROLLING and the rate-limit headers', async () => {
    const at = await token(s);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 7; i++) {
      last = await fetch(`${s.url}/crm/v3/owners`, { headers: { authorization: `Bearer ${at}` } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last!.headers.get('x-hubspot-ratelimit-max')).toBe('5');
    expect(last!.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('60000');
    expect(await last!.json()).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' });
  });

  it('sends webhooks signed with v3 and retries a batch the receiver refused', async () => {
    const seen: Array<{ status: number; ok: boolean }> = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const ok = verifyHubSpotSignature({ method: 'POST', uri: `http://127.0.0.1:${port}/hook`, rawBody: Buffer.concat(chunks), headers: req.headers }, { clientSecret: s.app.clientSecret, now: Date.now() }).ok;
        const status = seen.length === 0 ? 500 : 200;
        seen.push({ status, ok });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const result = await s.sendHubSpotWebhooks(`http://127.0.0.1:${port}/hook`, [{ eventId: 1 }], { retryDelayMs: 10 });
    server.close();
    expect(seen).toEqual([{ status: 500, ok: true }, { status: 200, ok: true }]);
    expect(result).toMatchObject({ batches: 1, attempts: 2, failed: 0 });
  });

  it('answers jsforce for the Salesforce org: limits header, describe, and a parsed SOQL subset', async () => {
    const consent = await fetch(`${s.url}/services/oauth2/authorize?response_type=code&client_id=${s.salesforce.app.clientId}&redirect_uri=${encodeURIComponent('http://cb.test/')}`, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    const conn = new Connection({ oauth2: { loginUrl: s.url, clientId: s.salesforce.app.clientId, clientSecret: s.salesforce.app.clientSecret, redirectUri: 'http://cb.test/' }, version: '59.0' });
    const info = await conn.authorize(code);
    expect(info.organizationId).toBe(s.salesforce.org.orgId);
    const describe = await conn.sobject('Lead').describe();
    expect(describe.fields.map((f) => f.name)).toContain('Title');
    // A fresh org has no Kindling fields until the install provisions them through the Metadata API.
    expect(describe.fields.map((f) => f.name)).not.toContain('Kindling_Score__c');
    const read = (await conn.metadata.read('CustomField', ['Lead.Kindling_Score__c', 'Lead.Kindling_Grade__c'])) as unknown as Array<{ fullName?: string }>;
    expect(read.map((r) => r?.fullName ?? null)).toEqual([null, null]);
    const created = [await conn.metadata.create('CustomField', [{ fullName: 'Lead.Kindling_Score__c', label: 'Kindling Score', type: 'Number' }] as never)].flat() as unknown as Array<{ success: string }>;
    expect(String(created[0]!.success)).toBe('true');
    expect((await conn.sobject('Lead').describe()).fields.map((f) => f.name)).toContain('Kindling_Score__c');
    // Like Salesforce, a field the Metadata API created cannot be written until field-level security grants it.
    const refusedWrite = [await conn.sobject('Lead').create([{ LastName: 'Locked', Kindling_Score__c: 5 }], { allOrNone: false })].flat();
    expect(refusedWrite[0]).toMatchObject({ success: false, errors: [expect.objectContaining({ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' })] });
    s.salesforce.org.objects.get('Lead')!.set('00Q1', { Id: '00Q1', LastName: "O'Hara", Status: 'Open - Not Contacted' });
    const found = await conn.sobject('Lead').find({ LastName: "O'Hara" }, ['Id', 'Status']);
    expect(found).toEqual([expect.objectContaining({ Id: '00Q1', Status: 'Open - Not Contacted' })]);
    expect(conn.limitInfo.apiUsage?.used).toBeGreaterThan(0);
    const composite = (await conn.requestPost('/services/data/v59.0/composite', { compositeRequest: [
      { method: 'GET', url: '/services/data/v59.0/sobjects/Lead/00Q1', referenceId: 'lead' },
      { method: 'GET', url: '/services/data/v59.0/sobjects/Lead/00Q404', referenceId: 'missing' },
    ] })) as { compositeResponse: Array<{ referenceId: string; httpStatusCode: number }> };
    expect(composite.compositeResponse.map((r) => [r.referenceId, r.httpStatusCode])).toEqual([['lead', 200], ['missing', 404]]);

    // A Task's IsClosed is Salesforce's to compute: read from its status, refused on write.
    const [task] = (await conn.requestPost('/services/data/v59.0/composite/sobjects', { allOrNone: false, records: [{ attributes: { type: 'Task' }, Subject: 'Call', Status: 'Not Started', WhoId: '00Q1' }] })) as Array<{ id: string }>;
    const retrieve = (fields: string[]) => conn.requestPost(`/services/data/v59.0/composite/sobjects/Task`, { ids: [task!.id], fields });
    expect(await retrieve(['Status', 'IsClosed'])).toEqual([{ attributes: { type: 'Task' }, Status: 'Not Started', IsClosed: false }]);
    const refused = (await conn.requestPatch('/services/data/v59.0/composite/sobjects', { allOrNone: false, records: [{ attributes: { type: 'Task' }, id: task!.id, IsClosed: true }] })) as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>;
    expect(refused[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' }] });
    await conn.requestPatch('/services/data/v59.0/composite/sobjects', { allOrNone: false, records: [{ attributes: { type: 'Task' }, id: task!.id, Status: 'Completed' }] });
    expect(await retrieve(['IsClosed'])).toEqual([{ attributes: { type: 'Task' }, IsClosed: true }]);
    // A field the object does not have fails the retrieve, as it does in Salesforce.
    await expect(retrieve(['Nope__c'])).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('parses only its SOQL subset, refusing the rest', () => {
    expect(parseSoql("SELECT Id, Name FROM Lead WHERE Id IN ('a','b') AND Status = 'Open' LIMIT 5")).toEqual({ fields: ['Id', 'Name'], object: 'Lead', where: [{ field: 'Id', op: 'IN', values: ['a', 'b'] }, { field: 'Status', op: '=', values: ['Open'] }], limit: 5 });
    expect(() => parseSoql('SELECT Id FROM Lead WHERE Name LIKE \'%x%\'')).toThrow();
    expect(() => parseSoql('DELETE FROM Lead')).toThrow();
  });
});

describe('the scenario generator', () => {
  it('is deterministic for a seed and covers the personas and behaviours', () => {
    const now = new Date('2026-11-20T00:00:00Z');
    const a = generateScenario({ seed: 5, contacts: 120, now });
    const b = generateScenario({ seed: 5, contacts: 120, now });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(generateScenario({ seed: 6, contacts: 120, now }))).not.toBe(JSON.stringify(a));
    expect(a.contacts).toHaveLength(120);
    const times = a.webhookEvents.map((e) => e.occurredAt as number);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(now.getTime() - 60 * 86_400_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(now.getTime());
    for (const k of ['persona.champion', 'persona.customer', 'email_opened', 'pricing_viewed', 'unsubscribed']) expect(a.stats[k]).toBeGreaterThan(0);
  });
});
