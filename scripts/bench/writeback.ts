/**
 * bench:writeback — HubSpot API calls per 1,000 events for Kindling's pipeline (batched, coalesced, diffed
 * writer) versus a one-call-per-event writer, on the same scenario in one run against the CRM sandbox;
 * then signal → task latency p50/p99: demo requests sent one by one, timed until the task exists in the
 * sandbox. PostgreSQL store, local Redis. The sandbox's burst limit is raised for both writers alike, so
 * the comparison is of calls made, not of waiting.
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Client } from '@hubspot/api-client';
import { generateScenario } from '../scenarios/generate';
import { startSandbox } from '../sandbox';
import { installHubSpot } from '../demo/install-hubspot';
import { freePort } from '../demo/free-port';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { startRuntime } from '../../src/runtime';
import { migrate, openStore } from '../../src/store/db';
import { waitUntilIdle } from '../../src/queue/pipeline-backlog';

const EVENTS = 1000;

async function main() {
  process.stdout.write(`bench:writeback on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n`);
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const store = await openStore({ databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema, poolSize: 10 });
  await migrate(store);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({ hubspot: { burstPer10s: 100_000 }, echoTo: { targetUrl: `${url}/webhooks/hubspot` } });
  const config = loadConfig({ NODE_ENV: 'test', PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'error', KINDLING_DATA_DIR: '/tmp/kindling-bench', KINDLING_ENCRYPTION_KEY: randomBytes(32).toString('base64'), HUBSPOT_CLIENT_ID: sandbox.app.clientId, HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret, HUBSPOT_APP_ID: String(sandbox.app.appId), HUBSPOT_API_BASE: sandbox.url, HUBSPOT_APP_BASE: sandbox.url });
  const runtime = await startRuntime({ config, role: 'all', log: createLogger('error', true), store, queuePrefix: `bench-${schema}` });
  try {
    await installHubSpot(url);
    // As the README recommends: HubSpot workflows keyed on kindling_track carry marketing nurture (no API
    // call), and a rep's sequence is mapped only where a person should write (re-engagement).
    const sender = { senderUserId: '7001', senderEmail: 'rep@sandbox.example' };
    await store.db.updateTable('tenants').set({ settings: JSON.stringify({ tracks: { re_engage: { sequenceId: '1003', ...sender } } }) }).execute();
    const scenario = generateScenario({ seed: 3, contacts: 300, now: new Date() });
    sandbox.seedContacts(scenario.contacts.map((c) => ({ id: c.id, properties: c.properties })));
    const creations = scenario.webhookEvents.filter((e) => e.subscriptionType === 'contact.creation');
    const events = [...creations, ...scenario.webhookEvents.filter((e) => e.subscriptionType !== 'contact.creation').slice(0, EVENTS - creations.length)];
    // Every call that counts against the account's API budget: CRM objects, associations, properties,
    // owners, sequences and the Events API (OAuth token calls do not count).
    const api = () => sandbox.recorder.requests.filter((r) => r.path.startsWith('/crm/') || r.path.startsWith('/automation') || r.path.startsWith('/events'));

    const before = api().length;
    await sandbox.sendHubSpotWebhooks(`${url}/webhooks/hubspot`, events);
    await waitUntilIdle(store.db, { quietMs: 1000, everyMs: 200, timeoutMs: 300_000, tick: () => sandbox.flushEchoes() });
    const kindlingCalls = api().length - before;
    const kindlingEnrollCalls = api().slice(before).filter((r) => r.path.startsWith('/automation')).length;
    const tasks = sandbox.portal().tasks.size;
    const enrollments = sandbox.portal().enrollments.length;

    // The naive writers run the same SDK against the same sandbox; a task and an enrollment cost them one
    // call each, as they cost Kindling (HubSpot enrolls one contact per call). First the baseline:
    // one call per event, writing the event's contact's score back.
    const token = (await fetch(`${sandbox.url}/oauth/v1/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', client_id: sandbox.app.clientId, client_secret: sandbox.app.clientSecret, redirect_uri: 'http://x/cb', code: await code(sandbox.url, sandbox.app.clientId) }) }).then((r) => r.json())) as { access_token: string };
    const client = new Client({ basePath: sandbox.url, accessToken: token.access_token, numberOfApiCallRetries: 0 });
    const oneStart = api().length;
    for (const [i, e] of events.entries()) await client.crm.contacts.basicApi.update(String(e.objectId), { properties: { kindling_score: String(i % 100) } });
    const oneCallPerEvent = api().length - oneStart + tasks + enrollments;
    // Then the commoner one, which reads the contact before writing: two calls per event.
    const readStart = api().length;
    for (const e of events) {
      const id = String(e.objectId);
      const contact = await client.crm.contacts.basicApi.getById(id, ['jobtitle', 'lifecyclestage']);
      await client.crm.contacts.basicApi.update(id, { properties: { kindling_score: String(contact.properties.jobtitle?.length ?? 0) } });
    }
    const readAndWrite = api().length - readStart + tasks + enrollments;

    // Signal → task latency: one demo request at a time, timed until HubSpot (the sandbox) has the task.
    const latencies: number[] = [];
    const fresh = scenario.contacts.filter((c) => ![...sandbox.portal().tasks.values()].some((t) => t.associations?.[0]?.toId === c.id) && !['customer', 'opportunity'].includes(c.properties.lifecyclestage!)).slice(0, 40);
    let eventId = 50_000_000;
    for (const c of fresh) {
      const t0 = performance.now();
      await sandbox.sendHubSpotWebhooks(`${url}/webhooks/hubspot`, [{ eventId: eventId++, subscriptionId: 1, portalId: 62515, appId: sandbox.app.appId, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: Number(c.id), propertyName: 'recent_conversion_event_name', propertyValue: 'Request a demo', changeSource: 'FORM', sourceId: 'form' }]);
      const deadline = Date.now() + 10_000;
      while (![...sandbox.portal().tasks.values()].some((t) => t.associations?.[0]?.toId === c.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!.toFixed(0);

    const per1000 = (n: number) => ((n / events.length) * 1000).toFixed(0);
    const ratio = (naive: number, ours: number) => `1/${(naive / ours).toFixed(1)}`;
    process.stdout.write(`${events.length} events over ${scenario.contacts.length} contacts → ${tasks} tasks, ${enrollments} sequence enrollments\n`);
    process.stdout.write(`Kindling: ${kindlingCalls} HubSpot API calls (${per1000(kindlingCalls)} per 1,000 events), ${kindlingEnrollCalls} of them enrollments\n`);
    process.stdout.write(`one-call-per-event writer: ${oneCallPerEvent} calls (${per1000(oneCallPerEvent)} per 1,000 events)\n`);
    process.stdout.write(`read-and-write-per-event writer: ${readAndWrite} calls (${per1000(readAndWrite)} per 1,000 events)\n`);
    // Enrollments cost every writer the same one call per contact, so the writers' own work is compared apart.
    const ours = kindlingCalls - kindlingEnrollCalls;
    process.stdout.write(`vs one call per event: all calls ${ratio(oneCallPerEvent, kindlingCalls)}; enrollments aside ${ours} vs ${oneCallPerEvent - enrollments} = ${ratio(oneCallPerEvent - enrollments, ours)}\n`);
    process.stdout.write(`vs read and write per event: all calls ${ratio(readAndWrite, kindlingCalls)}; enrollments aside ${ratio(readAndWrite - enrollments, ours)}\n`);
    process.stdout.write(`signal → task latency over ${latencies.length} demo requests: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms\n`);
  } finally {
    await runtime.recomputeQueue.obliterate({ force: true });
    await runtime.writeQueue.obliterate({ force: true });
    await runtime.close();
    await sandbox.close();
    await store.db.schema.dropSchema(schema).cascade().execute();
    await store.close();
  }
}

async function code(base: string, clientId: string): Promise<string> {
  const res = await fetch(`${base}/oauth/authorize?client_id=${clientId}&redirect_uri=${encodeURIComponent('http://x/cb')}&state=s`, { redirect: 'manual' });
  return new URL(res.headers.get('location')!).searchParams.get('code')!;
}

void main().then(() => process.exit(0), (err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
