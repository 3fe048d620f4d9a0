/**
 * bench:ingest — signed 100-event HubSpot batches from a load generator on loopback against the running
 * app (in its own process), on PGlite and on PostgreSQL. Prints events/s and ack latency p50/p99.
 * HubSpot sends at most 10 concurrent requests per account; we use 10 in flight.
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { signV3 } from '../../src/crm/hubspot/signature';

const SECRET = 'bench-secret';
const PORTAL = '777';
const BATCHES = Number(process.env.BENCH_BATCHES ?? 400);
const IN_FLIGHT = 10;
const CONTACTS = 5000;
const PACED_RATE_BATCHES = 50; // 50 × 100 = 5,000 events/s
const PACED_BATCHES = 250;

function percentiles(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(1);
  return { p50: at(0.5), p99: at(0.99) };
}

function batch(n: number): string {
  const base = 1763900000000 + n * 1000;
  return JSON.stringify(
    Array.from({ length: 100 }, (_, i) => ({
      eventId: n * 100 + i, subscriptionId: 1, portalId: Number(PORTAL), appId: 1, occurredAt: base + i,
      subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: (n * 100 + i * 7) % CONTACTS,
      propertyName: i % 3 === 0 ? 'hs_email_last_open_date' : 'hs_analytics_last_url',
      propertyValue: `https://example.com/page/${i % 20}`, changeSource: 'ANALYTICS',
    })),
  );
}

async function run(driver: 'pglite' | 'postgres') {
  const child = fork(join(__dirname, 'ingest-server.ts'), [driver, PORTAL, SECRET], { execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])], stdio: 'inherit' });
  const url = await new Promise<string>((resolve) => child.once('message', (m: { url: string }) => resolve(m.url)));
  const bodies = Array.from({ length: BATCHES }, (_, n) => batch(n));
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const send = async (body: string) => {
    const ts = String(Date.now());
    const started = performance.now();
    const res = await fetch(`${url}/webhooks/hubspot`, {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': signV3(SECRET, 'POST', 'http://bench.local/webhooks/hubspot', Buffer.from(body), ts) },
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    if (res.status !== 200) failures++;
  };
  // Warm-up: JIT, connection pools, prepared plans.
  for (let i = 0; i < 20; i++) await send(batch(BATCHES + i));
  latencies.length = 0;
  // Phase 1, capacity: 10 requests always in flight; latency here is queueing (Little's law).
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < bodies.length) await send(bodies[next++]!);
  }));
  const seconds = (performance.now() - t0) / 1000;
  const saturated = percentiles(latencies);
  // Phase 2, latency at the target rate: batches paced to 5,000 events/s, as HubSpot would deliver them.
  latencies.length = 0;
  const paced: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < PACED_BATCHES; i++) {
    const due = start + (i * 1000) / PACED_RATE_BATCHES;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    paced.push(send(batch(BATCHES + 100 + i)));
  }
  await Promise.all(paced);
  const atTarget = percentiles(latencies);
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  return { driver, events: BATCHES * 100, seconds: seconds.toFixed(2), eventsPerSec: Math.round((BATCHES * 100) / seconds), saturated, atTarget, failures };
}

async function main() {
  process.stdout.write(`bench:ingest on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${BATCHES} batches of 100 events, ${IN_FLIGHT} in flight\n`);
  for (const driver of ['pglite', 'postgres'] as const) {
    const r = await run(driver);
    process.stdout.write(
      `${r.driver.padEnd(9)} capacity ${String(r.eventsPerSec).padStart(6)} events/s (ack p50 ${r.saturated.p50} / p99 ${r.saturated.p99} ms with ${IN_FLIGHT} in flight)` +
        `  |  at 5,000 events/s: ack p50 ${r.atTarget.p50} ms, p99 ${r.atTarget.p99} ms  (${r.failures} non-200)\n`,
    );
  }
}

void main();
