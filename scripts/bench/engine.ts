/**
 * bench:engine — evaluations per second on one core for contacts with 10, 100 and 1,000 events, under
 * the default model. Events are a realistic mix (page views, emails, forms, signals) over 120 days.
 */
import { cpus } from 'node:os';
import { type EngineEvent, evaluate, loadDefaultModel, type Profile } from '../../src/engine';

const model = loadDefaultModel();
const now = new Date('2026-11-20T12:00:00Z');
const profile: Profile = { firstName: 'Jane', lastName: 'Doe', email: 'jane@acme.io', company: 'Acme', jobTitle: 'VP Sales', companySize: 300, industry: 'Software', lifecycleStage: 'lead', attributes: {} };

function events(n: number): EngineEvent[] {
  let s = 42;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const kinds = ['page_viewed', 'page_viewed', 'page_viewed', 'email_opened', 'email_clicked', 'form_submitted', 'signal'] as const;
  const urls = ['https://x.io/pricing', 'https://x.io/blog/a', 'https://x.io/', 'https://x.io/product'];
  return Array.from({ length: n }, (_, i) => {
    const type = kinds[Math.floor(rnd() * kinds.length)]!;
    const attrs = type === 'page_viewed' ? { url: urls[i % urls.length] } : type === 'form_submitted' ? { formName: i % 2 ? 'Ebook: Forecasting' : 'Newsletter' } : type === 'signal' ? { kind: 'intent_spike', strength: 0.7 } : {};
    return { type, occurredAt: new Date(now.getTime() - rnd() * 120 * 86_400_000), source: 'bench', sourceEventId: `e${i}`, attrs } as EngineEvent;
  });
}

/**
 * Measured as the worker runs it: events in ledger order (time, source, id) and the contact's previous
 * state passed back, so a handoff's task text is built once, not on every recompute.
 */
function bench(n: number): number {
  const evs = events(n).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
  const previous = evaluate(model, profile, evs, now).state;
  const target = 1500; // ms per size
  for (let i = 0; i < 200; i++) evaluate(model, profile, evs, now, previous); // warm-up
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < target) {
    for (let i = 0; i < 50; i++) evaluate(model, profile, evs, now, previous);
    runs += 50;
  }
  return runs / ((performance.now() - t0) / 1000);
}

process.stdout.write(`bench:engine on ${cpus()[0]?.model ?? 'cpu'} (one core), Node ${process.version}\n`);
let prev: number | undefined;
for (const n of [10, 100, 1000]) {
  const perSec = bench(n);
  const growth = prev ? `  (${(prev / perSec).toFixed(1)}× the cost of the size before)` : '';
  process.stdout.write(`${String(n).padStart(5)} events: ${Math.round(perSec).toLocaleString('en-US').padStart(9)} evaluations/s, ${(1e6 / perSec).toFixed(1)} µs each${growth}\n`);
  prev = perSec;
}
