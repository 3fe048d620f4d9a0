import type { Server } from 'node:http';
import express from 'express';
import { createSessions } from '../../src/auth/session';
import { adminResultsRoutes } from '../../src/http/admin-results-routes';
import { recordInbound } from '../../src/ingest/record';
import { createLogger } from '../../src/log';
import { createModelStore } from '../../src/models/model-store';
import { createRecompute } from '../../src/recompute/recompute-contact';
import type { ReadProfiles } from '../../src/recompute/profiles';
import type { Store } from '../../src/store/db';
import type { Results } from '../../src/store/results';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

const log = createLogger('error', true);
const at = (iso: string) => new Date(iso);
// The charts' clock: Wednesday of the week starting Monday 2026-11-30; weeks=4 starts on Monday 2026-11-09.
const NOW = at('2026-12-02T12:00:00Z');

describe.each(drivers)('the results API on %s', (driver) => {
  let store: Store;
  let server: Server;
  let url: string;
  let tenantA: string;
  let tenantB: string;

  const readProfiles: ReadProfiles = async (_tenant, _type, ids) => new Map(ids.map((id) => [id, { firstName: 'Jane', lastName: 'Doe', company: 'Acme', jobTitle: 'VP Sales', companySize: 300, lifecycleStage: 'lead' as const, attributes: {} }]));
  /** Recomputes one contact with the engine's clock at `now`, as the worker does. */
  const recompute = (tenantId: string, contactId: string, now: string) =>
    createRecompute({ db: store.db, models: createModelStore(store.db), readProfiles, afterOutbox: async () => {}, scheduleWake: async () => {}, now: () => at(now) })({ tenantId, objectType: 'contact', contactId, cause: 'event' }, log);
  const record = (accountId: string, contactId: string, type: string, occurredAt: string, attrs: Record<string, unknown> = {}) =>
    recordInbound(store.db, 'hubspot', [{ kind: 'event', accountId, contact: { objectType: 'contact', id: contactId }, event: { type, occurredAt: at(occurredAt), source: type === 'signal' ? 'signals' : 'hubspot', sourceEventId: `${contactId}-${type}-${occurredAt}`, attrs } }]);
  /** What the writer does once the CRM created the task, and what task polling would do once the rep completed it. */
  const sendTasks = (tenantId: string, completedAt?: string) =>
    store.db.updateTable('outbox').set({ status: 'sent', result: JSON.stringify({ id: 'task-1' }), completed_at: completedAt ? at(completedAt) : null }).where('tenant_id', '=', tenantId).where('kind', '=', 'create_task').execute();
  const signIn = async (tenantId: string) => {
    const res = await fetch(`${url}/test/sign-in/${tenantId}`);
    return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  };
  const results = async (cookie: string, query = '?weeks=4') => {
    const res = await fetch(`${url}/api/results${query}`, { headers: { cookie } });
    return { status: res.status, body: (await res.json()) as Results & { message?: string } };
  };
  const transitions = (tenantId: string, contactId: string) =>
    store.db.selectFrom('transitions').select(['at', 'from_stage', 'to_stage', 'from_track', 'to_track', 'cause']).where('tenant_id', '=', tenantId).where('contact_id', '=', contactId).orderBy('at').execute();

  beforeEach(async () => {
    store = await testStore(driver);
    tenantA = await seedTenant(store, 'hubspot', '111');
    tenantB = await seedTenant(store, 'hubspot', '222');
    const sessions = createSessions({ db: store.db, secrets: ['results-test-secret'], secure: false });
    const app = express();
    app.use(sessions.middleware);
    // Sessions are made only by the CRM's OAuth; this stands in for its callback.
    app.get('/test/sign-in/:tenant', (req, res) => {
      sessions.start(req, res, String(req.params.tenant), 'admin@example.test');
      res.end();
    });
    app.use(adminResultsRoutes({ db: store.db, now: () => NOW.getTime() }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    // Tenant A. Jane (1) opens an email on Nov 10 and requests a demo on Nov 18: an MQL 8 days after her first event.
    await record('111', '1', 'email_opened', '2026-11-10T09:00:00Z');
    await recompute(tenantA, '1', '2026-11-10T10:00:00Z');
    await recompute(tenantA, '1', '2026-11-10T11:00:00Z');
    await record('111', '1', 'form_submitted', '2026-11-18T09:58:00Z', { formName: 'Request a demo' });
    await recompute(tenantA, '1', '2026-11-18T10:00:00Z');
    await recompute(tenantA, '1', '2026-11-18T10:05:00Z');
    await sendTasks(tenantA, '2026-11-25T15:00:00Z');
    // Two contacts fall silent for 30 days and enter re-engagement; a funding round (reported days late) brings one back.
    await record('111', '2', 'email_opened', '2026-10-10T09:00:00Z');
    await recompute(tenantA, '2', '2026-10-10T10:00:00Z');
    await recompute(tenantA, '2', '2026-11-12T10:00:00Z');
    await record('111', '2', 'signal', '2026-11-01T00:00:00Z', { kind: 'funding_round', strength: 0.9 });
    await recompute(tenantA, '2', '2026-11-20T10:00:00Z');
    await record('111', '3', 'email_opened', '2026-10-12T09:00:00Z');
    await recompute(tenantA, '3', '2026-10-12T10:00:00Z');
    await recompute(tenantA, '3', '2026-11-13T10:00:00Z');
    await recompute(tenantA, '3', '2026-12-02T11:00:00Z');

    // Tenant B, in the same weeks and with other contact ids: an MQL, a sent task and a contact back from re-engagement.
    await record('222', '21', 'form_submitted', '2026-11-17T09:00:00Z', { formName: 'Request a demo' });
    await recompute(tenantB, '21', '2026-11-17T09:00:00Z');
    await sendTasks(tenantB, '2026-11-19T09:00:00Z');
    // B's own contact 1 shares Jane's id in A, and its history starts earlier than hers.
    await record('222', '1', 'email_opened', '2026-11-01T09:00:00Z');
    await recompute(tenantB, '1', '2026-11-01T10:00:00Z');
    await record('222', '29', 'email_opened', '2026-10-01T09:00:00Z');
    await recompute(tenantB, '29', '2026-10-01T10:00:00Z');
    await recompute(tenantB, '29', '2026-11-10T10:00:00Z');
    await record('222', '29', 'page_viewed', '2026-11-11T09:00:00Z', { url: 'https://x.io/pricing' });
    await recompute(tenantB, '29', '2026-11-11T10:00:00Z');
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
  });

  it('records a transition once per change of stage or track, not once per recompute, with what caused it', async () => {
    expect(await transitions(tenantA, '1')).toEqual([
      { at: at('2026-11-10T10:00:00Z'), from_stage: null, to_stage: 'lead', from_track: null, to_track: 'welcome', cause: 'email_opened' },
      { at: at('2026-11-18T10:00:00Z'), from_stage: 'lead', to_stage: 'mql', from_track: 'welcome', to_track: 'handoff', cause: 'form_submitted' },
    ]);
    // Silence is time alone (no cause); the funding round is named by its kind although it occurred before the silence began.
    expect((await transitions(tenantA, '2')).map((t) => [t.from_track, t.to_track, t.cause])).toEqual([
      [null, 'welcome', 'email_opened'],
      ['welcome', 're_engage', null],
      ['re_engage', 'educate', 'funding_round'],
    ]);
    expect((await transitions(tenantA, '3')).map((t) => t.to_track)).toEqual(['welcome', 're_engage', 'suppressed']);
  });

  it('charts MQLs per week, time to MQL, stages at each week end, progression, re-engagement yield and tasks', async () => {
    const { status, body } = await results(await signIn(tenantA));
    expect(status).toBe(200);
    expect(body.weeks).toEqual(['2026-11-09', '2026-11-16', '2026-11-23', '2026-11-30']);
    expect(body.mqlsPerWeek).toEqual([0, 1, 0, 0]);
    // Nov 10 09:00 to Nov 18 10:00: 8 days and an hour.
    expect(body.timeToMqlDays).toEqual({ median: 8, p90: 8, n: 1, medianPerWeek: [null, 8, null, null] });
    expect(body.stages.lead).toEqual([3, 2, 2, 2]);
    expect(body.stages.mql).toEqual([0, 1, 1, 1]);
    expect(body.stages.subscriber).toEqual([0, 0, 0, 0]);
    // Jane entered lead in the window and moved on; contacts 2 and 3 became leads in October, before it.
    expect(body.progression.find((p) => p.from === 'lead')).toEqual({ from: 'lead', to: 'mql', reached: 1, progressed: 1, rate: 1 });
    expect(body.progression.find((p) => p.from === 'mql')).toEqual({ from: 'mql', to: 'sql', reached: 1, progressed: 0, rate: 0 });
    expect(body.progression.find((p) => p.from === 'subscriber')).toMatchObject({ reached: 0, rate: null });
    // Contact 3 left re-engagement for suppression: that is not coming back.
    expect(body.reengagement).toEqual([
      { cause: 'all', entered: 2, returned: 1, rate: 0.5 },
      { cause: 'funding_round', entered: 2, returned: 1, rate: 0.5 },
    ]);
    expect(body.tasks).toEqual({ created: [0, 1, 0, 0], completed: [0, 0, 1, 0] });
  });

  it('shows each tenant only its own history, whatever the request says', async () => {
    const b = await results(await signIn(tenantB), `?weeks=4&tenantId=${tenantA}`);
    expect(b.body.mqlsPerWeek).toEqual([0, 1, 0, 0]);
    expect(b.body.timeToMqlDays).toMatchObject({ median: 0, p90: 0, n: 1 });
    expect(b.body.reengagement).toEqual([
      { cause: 'all', entered: 1, returned: 1, rate: 1 },
      { cause: 'engagement', entered: 1, returned: 1, rate: 1 },
    ]);
    expect(b.body.tasks).toEqual({ created: [0, 1, 0, 0], completed: [0, 1, 0, 0] });
    const a = await results(await signIn(tenantA), `?weeks=4&tenantId=${tenantB}`);
    expect(a.body.stages.lead![0]! + a.body.stages.mql![0]!).toBe(3);
    expect(a.body.reengagement.map((r) => r.cause)).not.toContain('engagement');
  });

  it('answers an empty window with zeros, and refuses weeks outside 1..52 with the reason', async () => {
    const cookie = await signIn(tenantA);
    const one = await results(cookie, '?weeks=1');
    expect(one.body.weeks).toEqual(['2026-11-30']);
    expect(one.body.mqlsPerWeek).toEqual([0]);
    expect(one.body.timeToMqlDays).toMatchObject({ median: null, p90: null, n: 0 });
    expect(one.body.timeToMqlDays.medianPerWeek.every((v: number | null) => v === null)).toBe(true);
    expect(one.body.reengagement).toEqual([]);
    expect((await results(cookie, '')).body.weeks).toHaveLength(12);
    for (const bad of ['?weeks=0', '?weeks=53', '?weeks=2.5', '?weeks=lots']) {
      const res = await results(cookie, bad);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/^weeks: /);
    }
  });

  it('erases a contact\'s history with the rest of it on a privacy deletion, and only that contact\'s', async () => {
    await recordInbound(store.db, 'hubspot', [{ kind: 'deleted', accountId: '111', contact: { objectType: 'contact', id: '1' }, privacy: true }]);
    expect(await transitions(tenantA, '1')).toEqual([]);
    expect(await transitions(tenantB, '1')).toHaveLength(1);
    expect((await results(await signIn(tenantA))).body.mqlsPerWeek).toEqual([0, 0, 0, 0]);
  });

  it('refuses a request without a session', async () => {
    const res = await fetch(`${url}/api/results?weeks=4`);
    expect(res.status).toBe(401);
  });
});

describe('the results API through the real pipeline', () => {
  let store: Store;
  let stack: Stack;

  beforeEach(async () => {
    store = await testStore('pglite');
    stack = await startStack(store);
  });
  afterEach(async () => {
    await stack.close();
    await store.close();
  });

  it('counts a demo request from a HubSpot webhook as this week\'s MQL and its task as created', async () => {
    const { cookies } = await installHubSpot(stack.url);
    stack.sandbox.seedContacts([{ id: '101', properties: { email: 'jane@acme.io', firstname: 'Jane', lastname: 'Doe', company: 'Acme', jobtitle: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' } }]);
    const change = { eventId: 1, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: Date.now() - 60_000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: 101, propertyName: 'recent_conversion_event_name', propertyValue: 'Request a demo', changeSource: 'FORM', sourceId: 'x' };
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change]);
    await eventually(async () => (await store.db.selectFrom('outbox').select('status').where('kind', '=', 'create_task').executeTakeFirst())?.status === 'sent');

    const res = await fetch(`${stack.url}/api/results?weeks=2`, { headers: { cookie: cookies } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Results;
    expect(body.mqlsPerWeek).toEqual([0, 1]);
    expect(body.stages.mql).toEqual([0, 1]);
    expect(body.timeToMqlDays.n).toBe(1);
    expect(body.timeToMqlDays.median).toBeLessThan(0.1);
    expect(body.tasks).toEqual({ created: [0, 1], completed: [0, 0] });
    expect((await fetch(`${stack.url}/api/results`)).status).toBe(401);
  });
});
