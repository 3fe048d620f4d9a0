/**
 * bench:engine — evaluations per second on one core for contacts with 10, 100 and 1,000 events, under
 * the default model. Events are a realistic mix (page views, emails, forms, signals) over 120 days.
 */
import { cpus } from 'node:os';
import { type EngineEvent, evaluate, loadDefaultModel, type Profile } from '../../src/engine';

const model = loadDefaultModel();
const now = new Date('2026-11-20T12:00:00Z');
const profile: Profile = { firstName: 'Jane', lastName: 'Doe', email: 'jane@acme.io', company: 'Acme', jobTitle: 'VP Sales', companySize: 300, industry: 'Software', lifecycleStage: 'lead', attributes: {} };

/** `unique` gives every page and form its own text (a query string), as if the site had no end of them. */
function events(n: number, unique = ''): EngineEvent[] {
  let s = 42;
  const rnd = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const kinds = ['page_viewed', 'page_viewed', 'page_viewed', 'email_opened', 'email_clicked', 'form_submitted', 'signal'] as const;
  const urls = ['https://x.io/pricing', 'https://x.io/blog/a', 'https://x.io/', 'https://x.io/product'];
  return Array.from({ length: n }, (_, i) => {
    const type = kinds[Math.floor(rnd() * kinds.length)]!;
    const tag = unique && `?v=${unique}.${i}`;
    const attrs = type === 'page_viewed' ? { url: urls[i % urls.length] + tag } : type === 'form_submitted' ? { formName: (i % 2 ? 'Ebook: Forecasting' : 'Newsletter') + tag } : type === 'signal' ? { kind: 'intent_spike', strength: 0.7 } : {};
    // Through JSON, as the worker gets them from the ledger's jsonb: flat strings, not concatenations.
    return { type, occurredAt: new Date(now.getTime() - rnd() * 120 * 86_400_000), source: 'bench', sourceEventId: `e${i}`, attrs: JSON.parse(JSON.stringify(attrs)) } as EngineEvent;
  });
}

/**
 * Measured as the worker runs it: events in ledger order (time, source, id) and the contact's previous
 * state passed back, so a handoff's task text is built once, not on every recompute.
 */
function bench(n: number, contacts = 1, unique = false): number {
  const histories = Array.from({ length: contacts }, (_, c) => events(n, unique ? String(c) : '').sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime()));
  const previous = histories.map((evs) => evaluate(model, profile, evs, now).state);
  const target = 1500; // ms per size
  for (let i = 0; i < 200; i++) evaluate(model, profile, histories[i % contacts]!, now, previous[i % contacts]); // warm-up
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < target) {
    for (let i = 0; i < 50; i++, runs++) evaluate(model, profile, histories[runs % contacts]!, now, previous[runs % contacts]);
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
// The engine remembers which rules a page or form text meets. Above, a site's few pages recur, as they
// do in every recompute of a contact's history; here no text is ever seen twice, which is its worst case.
const cold = bench(100, 1000, true);
process.stdout.write(`  100 events, every page and form text new: ${Math.round(cold).toLocaleString('en-US')} evaluations/s, ${(1e6 / cold).toFixed(1)} µs each\n`);
