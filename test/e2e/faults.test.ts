import { sql } from 'kysely';
import { generateScenario } from '../../scripts/scenarios/generate';
import type { StoredResult } from '../../src/recompute/recompute-contact';
import type { Store } from '../../src/store/db';
import { pipelineBacklog } from '../../src/queue/pipeline-backlog';
import { installHubSpot, type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { testStore } from '../helpers/store';

jest.setTimeout(120_000);

describe('1,000 events over 300 contacts, with redelivery, a restart and injected 429s and 5xx', () => {
  let store: Store;
  let stack: Stack;

  beforeAll(async () => {
    store = await testStore('postgres');
    stack = await startStack(store, { sandbox: { hubspot: { burstIntervalMs: 1000 } } });
  });
  afterAll(async () => {
    await stack.close();
    await store.close();
  });

  it('ends with every contact\'s score written, one task per handoff and nothing left behind', async () => {
    await installHubSpot(stack.url);
    const tenant = await store.db.selectFrom('tenants').selectAll().executeTakeFirstOrThrow();
    const sender = { senderUserId: '7001', senderEmail: 'rep@sandbox.example' };
    await store.db.updateTable('tenants').set({ settings: JSON.stringify({ tracks: { welcome: { sequenceId: '1001', ...sender }, educate: { sequenceId: '1002', ...sender } } }) }).execute();
    const scenario = generateScenario({ seed: 11, contacts: 300, now: new Date() });
    // Every contact's creation, then the first 700 other events: 1,000 in all.
    const creations = scenario.webhookEvents.filter((e) => e.subscriptionType === 'contact.creation');
    const events = [...creations, ...scenario.webhookEvents.filter((e) => e.subscriptionType !== 'contact.creation').slice(0, 1000 - creations.length)];
    expect(events).toHaveLength(1000);
    stack.sandbox.seedContacts(scenario.contacts.map((c) => ({ id: c.id, properties: c.properties })));

    stack.sandbox.setFaults({ errorRate: 0.15, force429: 5 });
    const half = Math.floor(events.length / 2);
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, events.slice(0, half));
    await stack.restart(); // the worker dies mid-flight; jobs and outbox rows must survive it
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, events.slice(half));
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, events.slice(0, half)); // HubSpot redelivers
    await eventually(async () => {
      await stack.sandbox.flushEchoes();
      const b = await pipelineBacklog(store.db);
      return b.owed === 0 && b.unsent === 0;
    }, 100_000, 200);
    stack.sandbox.setFaults({ errorRate: 0 });

    const portal = stack.sandbox.portal();
    const ledger = await sql<{ n: number }>`select count(*)::int8 as n from events`.execute(store.db);
    expect(ledger.rows[0]!.n).toBeLessThanOrEqual(1000);
    const states = await store.db.selectFrom('contact_state').select(['contact_id', 'result', 'written']).where('tenant_id', '=', tenant.id).execute();
    expect(states).toHaveLength(300);
    // No lost update: what the CRM holds is what Kindling last computed for every contact.
    for (const s of states) {
      const r = s.result as unknown as StoredResult;
      const props = portal.contacts.get(s.contact_id)!.properties;
      expect({ id: s.contact_id, score: props.kindling_score, track: props.kindling_track }).toEqual({ id: s.contact_id, score: String(r.score), track: r.track });
    }
    // The stage Kindling proposed is the one HubSpot shows (forward only; stages past MQL are sales' own).
    const HUBSPOT_STAGE: Record<string, string> = { subscriber: 'subscriber', lead: 'lead', mql: 'marketingqualifiedlead' };
    const staged = states.filter((s) => HUBSPOT_STAGE[(s.result as unknown as StoredResult).stage]);
    expect(staged.length).toBeGreaterThan(100);
    for (const s of staged) expect({ id: s.contact_id, stage: portal.contacts.get(s.contact_id)!.properties.lifecyclestage }).toEqual({ id: s.contact_id, stage: HUBSPOT_STAGE[(s.result as unknown as StoredResult).stage] });
    // One enrollment per enrollment Kindling decided on, however often a call failed or was retried.
    const enrollRows = await store.db.selectFrom('outbox').select(['contact_id', 'status', 'result']).where('kind', '=', 'enroll').execute();
    expect(enrollRows.every((r) => r.status === 'sent')).toBe(true);
    // HubSpot keeps a contact in one sequence at a time: a track change while one runs is recorded as skipped.
    const enrolled = enrollRows.filter((r) => !(r.result as { skipped?: string } | null)?.skipped);
    expect(enrolled.length).toBeGreaterThan(0);
    expect(portal.enrollments.length).toBe(enrolled.length);
    expect(new Set(portal.enrollments.map((e) => e.contactId)).size).toBe(portal.enrollments.length);
    // One task per handoff, whatever was retried or redelivered.
    const tasks = [...portal.tasks.values()];
    const taskRows = await store.db.selectFrom('outbox').select(['contact_id', 'status']).where('kind', '=', 'create_task').execute();
    expect(tasks.length).toBe(taskRows.length);
    expect(new Set(tasks.map((t) => t.associations![0]!.toId)).size).toBe(tasks.length);
    expect(taskRows.every((r) => r.status === 'sent')).toBe(true);
    const dead = await store.db.selectFrom('dead_letters').select('error').execute();
    expect(dead).toEqual([]);
    // The faults happened, and were ridden out.
    expect(stack.sandbox.recorder.find({ status: 429 }).length).toBeGreaterThan(0);
    expect(stack.sandbox.recorder.find({ status: 502 }).length).toBeGreaterThan(0);
  });
});
