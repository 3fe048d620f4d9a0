import type { Enricher } from '../../src/crm/enricher';
import { createLogger } from '../../src/log';
import { createModelStore } from '../../src/models/model-store';
import type { RecomputeJob } from '../../src/queue/recompute-queue';
import { createRecompute } from '../../src/recompute/recompute-contact';
import type { ReadProfiles } from '../../src/recompute/profiles';
import { recordInbound } from '../../src/ingest/record';
import type { Store } from '../../src/store/db';
import { seedTenant } from '../helpers/runtime';
import { drivers, testStore } from '../helpers/store';

const NOW = new Date('2026-11-20T12:00:00Z');
const log = createLogger('error', true);

describe.each(drivers)('recomputing a contact on %s', (driver) => {
  let store: Store;
  let tenantId: string;
  let reads: string[][];
  let wakes: Array<Date | undefined>;
  let afterOutbox: string[];
  let now: Date;

  const readProfiles: ReadProfiles = async (_tenant, _type, ids) => {
    reads.push(ids);
    return new Map(ids.map((id) => [id, { firstName: 'Jane', lastName: 'Doe', company: 'Acme', jobTitle: 'VP Sales', companySize: 300, lifecycleStage: 'lead' as const, attributes: {} }]));
  };
  const recompute = (extra: Partial<Parameters<typeof createRecompute>[0]> = {}) =>
    createRecompute({ db: store.db, models: createModelStore(store.db), readProfiles, afterOutbox: async (t) => void afterOutbox.push(t), scheduleWake: async (_j, at) => void wakes.push(at), now: () => now, ...extra });
  const job = (contactId = '1'): RecomputeJob => ({ tenantId, objectType: 'contact', contactId, cause: 'event' });
  const record = (contactId: string, type: string, minutesAgo: number, attrs: Record<string, unknown> = {}, id = `${type}-${minutesAgo}`) =>
    recordInbound(store.db, 'hubspot', [{ kind: 'event', accountId: '62515', contact: { objectType: 'contact', id: contactId }, event: { type, occurredAt: new Date(now.getTime() - minutesAgo * 60_000), source: 'hubspot', sourceEventId: id, attrs } }]);
  const outbox = () => store.db.selectFrom('outbox').selectAll().orderBy('id').execute();

  beforeEach(async () => {
    store = await testStore(driver);
    tenantId = await seedTenant(store, 'hubspot', '62515');
    reads = [];
    wakes = [];
    afterOutbox = [];
    now = NOW;
  });
  afterEach(() => store.close());

  it('a demo request produces exactly one task row, however many times the job runs', async () => {
    await record('1', 'form_submitted', 2, { formName: 'Request a demo' });
    const run = recompute();
    await run(job(), log);
    await run(job(), log);
    await run(job(), log);
    const rows = await outbox();
    expect(rows.filter((r) => r.kind === 'create_task')).toHaveLength(1);
    expect(rows.filter((r) => r.kind === 'set_properties')).toHaveLength(1);
    const task = rows.find((r) => r.kind === 'create_task')!;
    expect(task.payload).toMatchObject({ subject: 'Jane Doe (Acme) — requested a demo, score 50', priority: 'HIGH', reason: 'Requested a demo' });
    expect(afterOutbox).toEqual([tenantId]);
    expect(reads).toEqual([['1']]); // the profile is cached after the first read
  });

  it('a later change writes only the properties that changed; no change writes nothing', async () => {
    await record('1', 'email_opened', 60);
    const run = recompute();
    await run(job(), log);
    const first = (await outbox()).find((r) => r.kind === 'set_properties')!;
    expect(first.payload).toMatchObject({ properties: { score: 26, grade: 'A', track: 'welcome' } });
    await run(job(), log);
    expect((await outbox()).filter((r) => r.kind === 'set_properties')).toHaveLength(1);

    await record('1', 'email_clicked', 5);
    await run(job(), log);
    const rows = (await outbox()).filter((r) => r.kind === 'set_properties');
    expect(rows).toHaveLength(2);
    expect(Object.keys((rows[1]!.payload as { properties: object }).properties).sort()).toEqual(['engagementScore', 'reasonsSummary', 'score', 'scoredAt']);
  });

  it('advances processed_seq to what it saw, stores the explained result and schedules the timer', async () => {
    await record('1', 'email_opened', 60);
    await recompute()(job(), log);
    const state = await store.db.selectFrom('contact_state').selectAll().executeTakeFirstOrThrow();
    expect(Number(state.processed_seq)).toBe(Number(state.dirty_seq));
    expect(state.result).toMatchObject({ score: 26, grade: 'A', track: 'welcome', stage: 'lead' });
    expect(state.next_wake_at).not.toBeNull();
    expect(wakes).toEqual([new Date(NOW.getTime() - 60 * 60_000 + 14 * 86_400_000)]);
  });

  it('skips a deleted contact and an uninstalled tenant without writing', async () => {
    await record('1', 'form_submitted', 2, { formName: 'Request a demo' });
    await recordInbound(store.db, 'hubspot', [{ kind: 'deleted', accountId: '62515', contact: { objectType: 'contact', id: '1' }, privacy: false }]);
    await recompute()(job(), log);
    await record('2', 'form_submitted', 2, { formName: 'Request a demo' });
    await store.db.updateTable('tenants').set({ status: 'uninstalled' }).execute();
    await recompute()(job('2'), log);
    expect(await outbox()).toHaveLength(0);
    expect(reads).toEqual([]);
  });

  it('does not load events older than the model horizon', async () => {
    await record('1', 'form_submitted', 181 * 24 * 60, { formName: 'Request a demo' });
    await recompute()(job(), log);
    const state = await store.db.selectFrom('contact_state').select('result').executeTakeFirstOrThrow();
    // Fit only (25): the demo request 181 days ago is outside the 180-day horizon.
    expect(state.result).toMatchObject({ score: 25, track: 'welcome' });
  });

  it('a contact of an inactive tenant is left owing nothing, timer included, so no sweep picks it up again', async () => {
    await record('1', 'email_opened', 60);
    await recompute()(job(), log);
    await record('1', 'email_clicked', 5);
    await store.db.updateTable('tenants').set({ status: 'reconnect' }).execute();
    await recompute()(job(), log);
    const state = await store.db.selectFrom('contact_state').selectAll().executeTakeFirstOrThrow();
    expect(state.next_wake_at).toBeNull();
    expect(Number(state.processed_seq)).toBe(Number(state.dirty_seq));
  });

  it('keeps a mapping the admin saved while the job ran when it records what enrichment found', async () => {
    await store.db.updateTable('tenants').set({ settings: JSON.stringify({ fields: { contact: { profile: { jobTitle: 'jobtitle' } } } }) }).execute();
    const enricher: Enricher = {
      source: 'hubspot-events',
      details: new Set(['page_viewed']),
      async fetch() {
        // The admin saves a track mapping after the job read the tenant, before it writes enrichment.
        await store.db.updateTable('tenants').set({ settings: JSON.stringify({ fields: { contact: { profile: { jobTitle: 'jobtitle' } } }, tracks: { welcome: 'seq-1' } }) }).execute();
        return { unavailable: 'HubSpot answers only for Enterprise accounts' };
      },
    };
    await record('1', 'email_opened', 60);
    await recompute({ enrichers: { hubspot: enricher } })(job(), log);
    const tenant = await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow();
    expect(tenant.settings).toEqual({
      fields: { contact: { profile: { jobTitle: 'jobtitle' } } },
      tracks: { welcome: 'seq-1' },
      enrichment: { eventsApi: 'unavailable', checkedAt: NOW.toISOString(), reason: 'HubSpot answers only for Enterprise accounts' },
    });
  });

  it('a run that succeeds ends the contact\'s count of failures in a row', async () => {
    await record('1', 'email_opened', 60);
    await recompute()(job(), log);
    await store.db.updateTable('contact_state').set({ failures: 3, last_error: 'HubSpot said 403' }).execute();
    await record('1', 'email_clicked', 30);
    await recompute()(job(), log);
    expect(await store.db.selectFrom('contact_state').select(['failures', 'last_error']).executeTakeFirstOrThrow()).toEqual({ failures: 0, last_error: null });
  });

  it('reads the profile again when the CRM says it changed, or once the cached copy is older than its TTL', async () => {
    await record('1', 'email_opened', 60);
    const run = recompute({ profileTtlMs: 10 * 60_000 });
    await run(job(), log);
    await record('1', 'email_clicked', 30);
    await run(job(), log);
    expect(reads).toEqual([['1']]); // cached
    // A propertyChange of a profile field (the title) marks the cached copy stale.
    await recordInbound(store.db, 'hubspot', [{ kind: 'profile_changed', accountId: '62515', contact: { objectType: 'contact', id: '1' } }]);
    await run(job(), log);
    expect(reads).toEqual([['1'], ['1']]);
    // Eleven minutes on, the TTL has passed: read again.
    now = new Date(NOW.getTime() + 11 * 60_000);
    await record('1', 'email_opened', 1, {}, 'open-later');
    await run(job(), log);
    expect(reads).toEqual([['1'], ['1'], ['1']]);
  });

  it('asks whether the account has the Events API once, however many contacts start together', async () => {
    const asked: string[] = [];
    const answerWith = (available: boolean): Enricher => ({
      source: 'hubspot-events',
      details: new Set(['page_viewed']),
      async fetch(_t, contactId) {
        asked.push(contactId);
        await new Promise((r) => setTimeout(r, 20));
        return available ? { events: [] } : { unavailable: 'HubSpot answers only for Enterprise accounts' };
      },
    });
    for (let i = 1; i <= 8; i++) await record(String(i), 'email_opened', 60, {}, `open-${i}`);
    const run = recompute({ enrichers: { hubspot: answerWith(false) } });
    await Promise.all(Array.from({ length: 8 }, (_, i) => run(job(String(i + 1)), log)));
    expect(asked).toHaveLength(1);
    // Where the account has it, the others fetch their own contact's events once the probe said so.
    await store.db.updateTable('tenants').set({ settings: JSON.stringify({}) }).execute();
    asked.length = 0;
    for (let i = 1; i <= 8; i++) await record(String(i), 'email_clicked', 30, {}, `click-${i}`);
    const again = recompute({ enrichers: { hubspot: answerWith(true) } });
    await Promise.all(Array.from({ length: 8 }, (_, i) => again(job(String(i + 1)), log)));
    expect([...asked].sort()).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
  });

  it('past the cap on events it reads, the newest are the ones kept', async () => {
    await record('1', 'email_opened', 3000);
    await record('1', 'email_opened', 2000);
    await record('1', 'form_submitted', 2, { formName: 'Request a demo' });
    await recompute({ maxEvents: 2 })(job(), log);
    const rows = await outbox();
    // The demo request is the newest event: cut off, there would be no handoff and no task.
    expect(rows.filter((r) => r.kind === 'create_task')).toHaveLength(1);
    const state = await store.db.selectFrom('contact_state').select('result').executeTakeFirstOrThrow();
    const newest = await store.db.selectFrom('events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow();
    expect(state.result).toMatchObject({ seenEventId: Number(newest.id) });
  });
});
