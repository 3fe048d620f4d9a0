import { sql } from 'kysely';
import type { Runtime } from '../../src/runtime';
import type { Store } from '../../src/store/db';
import { eventually } from '../helpers/eventually';
import { hubspotEvent, signedHeaders } from '../helpers/hubspot';
import { PUBLIC_URL, seedTenant, testRuntime } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

const PORTAL = 62515;

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe.each(drivers)('POST /webhooks/hubspot on %s', (driver) => {
  let store: Store;
  let runtime: Runtime & { prefix: string };
  let tenantId: string;

  beforeEach(async () => {
    store = await testStore(driver);
    tenantId = await seedTenant(store, 'hubspot', String(PORTAL));
    runtime = await testRuntime(store, 'web');
  });
  afterEach(async () => {
    await runtime.recomputeQueue.obliterate({ force: true });
    await runtime.close();
    await store.close();
  });

  async function post(events: unknown[], headers?: Record<string, string>) {
    const body = JSON.stringify(events);
    const res = await fetch(`${runtime.url}/webhooks/hubspot`, {
      method: 'POST',
      body,
      headers: headers ?? signedHeaders(`${PUBLIC_URL}/webhooks/hubspot`, body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('records a batch of 100 events once when delivered three times in shuffled order, and queues one recompute per contact', async () => {
    const contacts = 30;
    const events = Array.from({ length: 100 }, (_, i) =>
      hubspotEvent({ objectId: 500 + (i % contacts), occurredAt: 1763900000000 + i * 1000, propertyName: i % 2 ? 'hs_email_last_open_date' : 'hs_analytics_last_url', propertyValue: `https://example.com/p/${i}` }),
    );
    const replies = await Promise.all([post(events), post(shuffle(events, 1)), post(shuffle(events, 2))]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);

    const { rows } = await sql<{ n: number }>`select count(*)::int8 as n from events where tenant_id = ${tenantId}`.execute(store.db);
    expect(rows[0]!.n).toBe(100);
    const accepted = replies.reduce((n, r) => n + Number(r.body.accepted), 0);
    const duplicate = replies.reduce((n, r) => n + Number(r.body.duplicate), 0);
    expect(accepted).toBe(100);
    expect(duplicate).toBe(200);

    const jobs = await eventually(async () => {
      const found = await runtime.recomputeQueue.getJobs(['waiting', 'delayed', 'active']);
      expect(found).toHaveLength(contacts);
      return found;
    });
    expect(new Set(jobs.map((j) => j.data.contactId)).size).toBe(contacts);
    const metrics = await runtime.metrics.registry.getSingleMetricAsString('kindling_webhook_events_total');
    expect(metrics).toContain('kindling_webhook_events_total{source="hubspot",outcome="accepted"} 100');
    expect(metrics).toContain('kindling_webhook_events_total{source="hubspot",outcome="duplicate"} 200');
  });

  it('acknowledges but ignores events for a portal that has not installed Kindling, and its own echoes', async () => {
    const reply = await post([
      hubspotEvent({ portalId: 999 }),
      hubspotEvent({ propertyName: 'kindling_score', propertyValue: '90' }),
    ]);
    expect(reply).toEqual({ status: 200, body: { accepted: 0, duplicate: 0, ignored: 2 } });
    expect(await store.db.selectFrom('events').selectAll().execute()).toHaveLength(0);
    expect(await runtime.recomputeQueue.count()).toBe(0);
  });

  it('erases everything about a contact on privacyDeletion', async () => {
    await post([hubspotEvent({ objectId: 7 }), hubspotEvent({ objectId: 8 })]);
    await store.db.insertInto('outbox').values({ tenant_id: tenantId, object_type: 'contact', contact_id: '7', kind: 'set_properties', payload: JSON.stringify({}), idempotency_key: 'k7', status: 'pending', last_error: null, result: null, updated_at: new Date() }).execute();
    const reply = await post([hubspotEvent({ objectId: 7, subscriptionType: 'contact.privacyDeletion', propertyName: undefined, propertyValue: undefined })]);
    expect(reply.status).toBe(200);
    const left = await store.db.selectFrom('events').select('contact_id').execute();
    expect(left.map((r) => r.contact_id)).toEqual(['8']);
    expect(await store.db.selectFrom('contact_state').select('contact_id').where('contact_id', '=', '7').execute()).toHaveLength(0);
    expect(await store.db.selectFrom('outbox').selectAll().execute()).toHaveLength(0);

    // HubSpot redelivers the earlier batch (it retries for a day): the erased contact is not recorded again.
    const again = await post([hubspotEvent({ objectId: 7 }), hubspotEvent({ objectId: 8 })]);
    expect(again).toEqual({ status: 200, body: { accepted: 0, duplicate: 1, ignored: 1 } });
    expect((await store.db.selectFrom('events').select('contact_id').execute()).map((r) => r.contact_id)).toEqual(['8']);
    expect(await store.db.selectFrom('contact_state').select('contact_id').where('contact_id', '=', '7').execute()).toHaveLength(0);
    // Nor does a redelivered profile change bring its state back.
    const profile = await post([hubspotEvent({ objectId: 7, eventId: 700, propertyName: 'jobtitle', propertyValue: 'CTO' })]);
    expect(profile).toEqual({ status: 200, body: { accepted: 0, duplicate: 0, ignored: 1 } });
    expect(await store.db.selectFrom('contact_state').select('contact_id').where('contact_id', '=', '7').execute()).toHaveLength(0);
  });

  it('moves a merged contact\'s history onto the surviving contact', async () => {
    await post([hubspotEvent({ objectId: 20, occurredAt: 1763900000001 }), hubspotEvent({ objectId: 21, occurredAt: 1763900000002 })]);
    await post([hubspotEvent({ objectId: 20, subscriptionType: 'contact.merge', primaryObjectId: 20, mergedObjectIds: [21], propertyName: undefined, propertyValue: undefined })]);
    const rows = await store.db.selectFrom('events').select('contact_id').execute();
    expect(rows.map((r) => r.contact_id)).toEqual(['20', '20']);
  });

  it('answers 401 for a bad signature, 400 naming the field for a bad body, 413 for an oversized one, recording nothing', async () => {
    const body = JSON.stringify([hubspotEvent()]);
    const bad = await post([hubspotEvent()], signedHeaders(`${PUBLIC_URL}/webhooks/hubspot`, body, { secret: 'wrong' }));
    expect(bad).toEqual({ status: 401, body: { error: 'signature_invalid', message: 'X-HubSpot-Signature-v3 does not match' } });

    const malformed = await post([hubspotEvent({ portalId: 'abc' })]);
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/^\[0\]\.portalId: /);

    const huge = JSON.stringify([hubspotEvent({ propertyValue: 'x'.repeat(1_100_000) })]);
    const res = await fetch(`${runtime.url}/webhooks/hubspot`, { method: 'POST', body: huge, headers: signedHeaders(`${PUBLIC_URL}/webhooks/hubspot`, huge) });
    expect(res.status).toBe(413);
    expect(await store.db.selectFrom('events').selectAll().execute()).toHaveLength(0);
  });
});
