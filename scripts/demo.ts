/**
 * npm run demo [-- --keep] [--contacts N] [--seed N]: Kindling's main job on a fresh machine, with no CRM
 * account. Starts the CRM sandbox and Kindling (web + worker, embedded PGlite, local Redis), installs
 * Kindling into the sandbox's HubSpot portal through the real OAuth flow, replays 60 days of a B2B
 * population as signed webhooks and signals, waits until the pipeline is idle, and prints what it did.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import type { Db } from '../src/store/db';
import { waitUntilIdle } from '../src/queue/pipeline-backlog';
import { loadConfig } from '../src/config';
import { open } from '../src/crypto';
import { type Stage, STAGES } from '../src/engine';
import { signSignal } from '../src/ingest/signals';
import { createLogger } from '../src/log';
import { startRuntime } from '../src/runtime';
import { installHubSpot } from './demo/install-hubspot';
import { generateScenario } from './scenarios/generate';
import { startSandbox } from './sandbox';
import { freePort } from './demo/free-port';
import { runSalesforceDemo } from './demo/salesforce';

async function main() {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false }, contacts: { type: 'string', default: '300' }, seed: { type: 'string', default: '7' }, port: { type: 'string' } } });
  const t0 = Date.now();
  const say = (s: string) => process.stdout.write(`${s}\n`);
  const port = values.port ? Number(values.port) : await freePort(3000);
  const url = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({ port: await freePort(4010), echoTo: { targetUrl: `${url}/webhooks/hubspot` } });
  const dataDir = mkdtempSync(join(tmpdir(), 'kindling-demo-'));
  const config = loadConfig({
    ...process.env, NODE_ENV: 'development', PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', KINDLING_DATA_DIR: dataDir,
    HUBSPOT_CLIENT_ID: sandbox.app.clientId, HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret, HUBSPOT_APP_ID: String(sandbox.app.appId),
    HUBSPOT_API_BASE: sandbox.url, HUBSPOT_APP_BASE: sandbox.url, DATABASE_URL: '',
    SALESFORCE_CLIENT_ID: sandbox.salesforce.app.clientId, SALESFORCE_CLIENT_SECRET: sandbox.salesforce.app.clientSecret, SALESFORCE_LOGIN_URL: sandbox.url,
  });
  const log = createLogger(config.LOG_LEVEL);
  const runtime = await startRuntime({ config, role: 'all', log, queuePrefix: `demo-${randomBytes(3).toString('hex')}` });
  say(`Kindling ${url}  ·  CRM sandbox ${sandbox.url}  ·  PGlite in ${dataDir}`);

  const { landing, cookies } = await installHubSpot(url);
  if (landing.status !== 200) throw new Error(`install failed: ${landing.status} ${await landing.text()}`);
  const db = runtime.store.db;
  const tenant = await db.selectFrom('tenants').selectAll().where('crm', '=', 'hubspot').executeTakeFirstOrThrow();
  say(`Installed into HubSpot portal ${tenant.account_id} through OAuth (${(tenant.scopes as string[]).length} scopes); Kindling's properties provisioned.`);
  // What an admin does on the setup screen: map nurture tracks to the portal's sequences.
  const sender = { senderUserId: '7001', senderEmail: 'rep@sandbox.example' };
  await db.updateTable('tenants').set({ settings: JSON.stringify({ tracks: { welcome: { sequenceId: '1001', ...sender }, educate: { sequenceId: '1002', ...sender }, re_engage: { sequenceId: '1003', ...sender } } }) }).where('id', '=', tenant.id).execute();

  const scenario = generateScenario({ seed: Number(values.seed), contacts: Number(values.contacts), now: new Date(), portalId: Number(tenant.account_id), appId: sandbox.app.appId });
  sandbox.seedContacts(scenario.contacts.map((c) => ({ id: c.id, properties: c.properties })));
  say(`Scenario: ${scenario.contacts.length} contacts, ${scenario.webhookEvents.length} webhook events over 60 days, ${scenario.signals.length} outside signals.`);

  const sent = await sandbox.sendHubSpotWebhooks(`${url}/webhooks/hubspot`, scenario.webhookEvents);
  const secret = open(tenant.signals_secret_enc!, { current: config.encryptionKey });
  for (let i = 0; i < scenario.signals.length; i += 50) {
    const body = Buffer.from(JSON.stringify(scenario.signals.slice(i, i + 50)));
    const ts = String(Date.now());
    const res = await fetch(`${url}/webhooks/signals`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-kindling-tenant': tenant.id, 'x-kindling-timestamp': ts, 'x-kindling-signature': signSignal(secret, ts, body) } });
    if (res.status !== 202) throw new Error(`signals refused: ${res.status} ${await res.text()}`);
  }
  say(`Delivered ${sent.batches} signed webhook batches (${sent.attempts} attempts) and ${scenario.signals.length} signals; waiting for the pipeline to go idle…`);
  await waitIdle(db, () => sandbox.flushEchoes());

  // Then "today": some nurtured contacts answer, book a meeting or opt out, and leave their track.
  const today = new Date();
  const nurtured = (await db.selectFrom('contact_state').select(['contact_id', 'result']).where('tenant_id', '=', tenant.id).execute())
    .filter((s) => ['welcome', 'educate', 're_engage'].includes((s.result as { track?: string } | null)?.track ?? '')).map((s) => Number(s.contact_id)).sort((a, b) => a - b).slice(0, 9);
  const moves: Array<[string, string, string]> = [['hs_email_last_reply_date', String(today.getTime()), 'EMAIL'], ['engagements_last_meeting_booked', String(today.getTime()), 'MEETINGS'], ['hs_email_optout', 'true', 'EMAIL']];
  await sandbox.sendHubSpotWebhooks(`${url}/webhooks/hubspot`, nurtured.map((objectId, i) => {
    const [propertyName, propertyValue, changeSource] = moves[i % moves.length]!;
    return { eventId: 90_000_000 + i, subscriptionId: 1, portalId: Number(tenant.account_id), appId: sandbox.app.appId, occurredAt: today.getTime() - 1000, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId, propertyName, propertyValue, changeSource, sourceId: changeSource };
  }));
  await waitIdle(db, () => sandbox.flushEchoes());
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);

  say('HubSpot:');
  const states = await db.selectFrom('contact_state').select(['contact_id', 'result']).where('tenant_id', '=', tenant.id).execute();
  const results = states.map((s) => s.result as { score: number; grade: string; stage: Stage; track: string; reasons: Array<{ kind: string; label: string }> } | null).filter((r): r is NonNullable<typeof r> => !!r);
  const by = (f: (r: (typeof results)[number]) => string) => results.reduce<Record<string, number>>((acc, r) => ((acc[f(r)] = (acc[f(r)] ?? 0) + 1), acc), {});
  const hist = by((r) => (r.score >= 70 ? '70+' : r.score >= 50 ? '50–69' : r.score >= 30 ? '30–49' : r.score >= 10 ? '10–29' : '<10'));
  const portal = sandbox.portal(Number(tenant.account_id));
  const tasks = [...portal.tasks.values()];
  const apiCalls = sandbox.recorder.requests.filter((r) => r.path.startsWith('/crm') || r.path.startsWith('/automation'));
  const callsBy = apiCalls.reduce<Record<string, number>>((acc, r) => ((acc[`${r.method} ${r.path.replace(/\d+/g, ':id')}`] = (acc[`${r.method} ${r.path.replace(/\d+/g, ':id')}`] ?? 0) + 1), acc), {});
  const suppressed = results.filter((r) => r.track === 'suppressed').reduce<Record<string, number>>((acc, r) => {
    const why = r.reasons.find((x) => x.kind === 'track')?.label ?? 'suppressed';
    acc[why] = (acc[why] ?? 0) + 1;
    return acc;
  }, {});
  const outbox = await sql<{ kind: string; status: string; n: number }>`select kind, status, count(*)::int8 as n from outbox where tenant_id = ${tenant.id} group by kind, status order by kind, status`.execute(db);
  const dead = await db.selectFrom('dead_letters').select(['error']).where('tenant_id', '=', tenant.id).execute();
  const events = scenario.webhookEvents.length + scenario.signals.length;

  say('');
  say(`Done in ${seconds} s.`);
  say(`Contacts scored: ${results.length}   grades ${fmt(by((r) => r.grade), ['A', 'B', 'C', 'D'])}`);
  say(`Score distribution: ${fmt(hist, ['70+', '50–69', '30–49', '10–29', '<10'])}`);
  say(`Lifecycle stages (Kindling's view): ${fmt(by((r) => r.stage), [...STAGES, 'disqualified'])}`);
  say(`Nurture tracks: ${fmt(by((r) => r.track), ['welcome', 'educate', 'handoff', 're_engage', 'suppressed'])}`);
  say(`Suppressed, by reason: ${Object.entries(suppressed).map(([k, v]) => `${k} ${v}`).join(' · ') || 'none'}`);
  say(`MQL handoffs with a rep task: ${tasks.length} tasks created in HubSpot (one per handoff; ${by((r) => r.track).handoff ?? 0} contacts in the handoff track)`);
  say(`Sequence enrollments: ${portal.enrollments.length} (HubSpot allows one active sequence per contact; its sequences end on reply, meeting or unsubscribe)`);
  // Exits: the contacts that left a nurture track, where to and on what (the transitions record both).
  const exits = await sql<{ to_track: string; cause: string | null; n: number }>`
    select to_track, cause, count(*)::int8 as n from transitions
    where tenant_id = ${tenant.id} and from_track in ('welcome', 'educate', 're_engage') and to_track <> from_track
    group by to_track, cause order by n desc, to_track`.execute(db);
  const exitTotal = exits.rows.reduce((n, r) => n + Number(r.n), 0);
  say(`Exits from nurture (today ${nurtured.length} nurtured contacts replied, booked a meeting or opted out): ${exitTotal}${exitTotal ? `, ${exits.rows.map((r) => `to ${r.to_track.replace('_', '-')} on ${(r.cause ?? 'time').replace(/_/g, ' ')} ${r.n}`).join(' · ')}` : ''}`);
  say(`Outbox: ${outbox.rows.map((r) => `${r.kind}/${r.status} ${r.n}`).join(' · ')}${dead.length ? `   dead letters ${dead.length} (e.g. "${dead[0]!.error}")` : ''}`);
  const limited = apiCalls.filter((r) => r.status === 429).length;
  say(`HubSpot API calls: ${apiCalls.length} for ${events} events, ${(apiCalls.length / events).toFixed(3)} per event, ${limited} answered 429; a connector that read and wrote per event would make at least ${2 * events}.`);
  say(`  ${Object.entries(callsBy).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ×${v}`).join('\n  ')}`);
  const example = tasks.find((t) => /demo/i.test(t.properties.hs_task_subject ?? '')) ?? tasks[0];
  if (example) {
    say('');
    say('One task as the rep sees it in HubSpot:');
    say(`  Subject:  ${example.properties.hs_task_subject}`);
    say(`  Priority: ${example.properties.hs_task_priority}   Due: ${example.properties.hs_timestamp}   Owner: ${example.properties.hubspot_owner_id}`);
    say(`  ${String(example.properties.hs_task_body).split('<br>').join('\n  ').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>')}`);
  }
  say('');
  const sfLines = await runSalesforceDemo({ url, sandbox, db, encryptionKey: config.encryptionKey.key, contacts: Math.min(100, Number(values.contacts)), seed: Number(values.seed), waitIdle: () => waitIdle(db, () => sandbox.flushEchoes()) });
  for (const line of sfLines) say(line);
  say(`Both CRMs done in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
  say('');
  say(`Setup screen: ${url}/setup/  (sign in: ${url}/oauth/hubspot/install)   Metrics: ${url}/metrics`);
  void cookies;
  if (values.keep) {
    say('Still running (--keep); Ctrl-C to stop.');
    return;
  }
  await runtime.recomputeQueue.obliterate({ force: true });
  await runtime.writeQueue.obliterate({ force: true });
  await runtime.close();
  await sandbox.close();
  process.exit(0);
}

function fmt(counts: Record<string, number>, order: string[]): string {
  return order.filter((k) => counts[k]).map((k) => `${k} ${counts[k]}`).join(' · ') || 'none';
}

function waitIdle(db: Db, flushEchoes: () => Promise<number>): Promise<void> {
  return waitUntilIdle(db, { timeoutMs: 170_000, quietMs: 1500, everyMs: 250, tick: flushEchoes });
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
