// The results charts: small inline SVG drawn from GET /api/results, no chart library. Every chart is an
// image with a label, and its numbers are also a table screen readers get (visually hidden) or plain text.
import { el, stageName } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 180;
const PAD = { top: 12, right: 8, bottom: 24, left: 36 };
const WEEK_CHOICES = [4, 12, 26, 52];
const CAUSE_NAMES = { all: 'All causes', engagement: 'Engagement', other: 'Other', funding_round: 'Funding round', job_change: 'Job change', hiring_surge: 'Hiring surge', intent_spike: 'Intent spike', custom: 'Custom signal' };

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const pct = (rate) => (rate === null ? '—' : `${Math.round(rate * 100)}%`);
const weekName = (iso) => new Date(`${iso}T00:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The frame every chart shares: an image with a title, a y axis from 0 to the largest value, week labels. */
function weekFrame(label, weeks, max, ...marks) {
  const plotH = H - PAD.top - PAD.bottom;
  const every = Math.ceil(weeks.length / 6);
  const x = (i) => PAD.left + ((i + 0.5) * (W - PAD.left - PAD.right)) / weeks.length;
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label, class: 'chart' },
    svg('title', {}, label),
    svg('line', { x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom, class: 'axis' }),
    svg('text', { x: PAD.left - 6, y: PAD.top + 4, class: 'tick', 'text-anchor': 'end' }, String(max)),
    svg('text', { x: PAD.left - 6, y: H - PAD.bottom, class: 'tick', 'text-anchor': 'end' }, '0'),
    // Every few weeks and the last, leaving out one that would crowd the last.
    ...weeks.flatMap((w, i) => ((i % every === 0 && weeks.length - 1 - i >= every) || i === weeks.length - 1 ? [svg('text', { x: x(i), y: H - 6, class: 'tick', 'text-anchor': 'middle' }, weekName(w))] : [])),
    ...marks.map((m) => m({ x, slot: (W - PAD.left - PAD.right) / weeks.length, y: (v) => H - PAD.bottom - (max ? (v / max) * plotH : 0) })),
  );
}

/** Grouped columns, one group per week and one column per series. */
function columns(label, weeks, series) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  return weekFrame(label, weeks, max, ({ x, slot, y }) => {
    const width = (slot * 0.7) / series.length;
    return svg('g', {}, ...series.flatMap((s, j) => s.values.map((v, i) => {
      const left = x(i) - (slot * 0.7) / 2 + j * width;
      return svg('rect', { x: left, y: y(v), width: Math.max(1, width - 1), height: y(0) - y(v), class: `mark s${tone(s, j)}` }, svg('title', {}, `Week of ${weekName(weeks[i])}: ${v} ${s.name}`));
    })));
  });
}

/** One line per series, a marker per week; dashes as well as colours tell the lines apart. */
function lines(label, weeks, series) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  return weekFrame(label, weeks, max, ({ x, y }) => svg('g', {}, ...series.map((s, j) => svg('g', { class: `s${tone(s, j)}` },
    svg('polyline', { points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: `line d${tone(s, j) % 3}` }),
    ...s.values.map((v, i) => svg('circle', { cx: x(i), cy: y(v), r: 3, class: 'mark' }, svg('title', {}, `${s.name}, week of ${weekName(weeks[i])}: ${v}`))),
  ))));
}

/** Horizontal bars of shares (0..1), one per row, each labelled with its own numbers. */
function shares(label, rows) {
  const rowH = 26;
  const left = 150;
  const height = rows.length * rowH + 4;
  return svg('svg', { viewBox: `0 0 ${W} ${height}`, role: 'img', 'aria-label': label, class: 'chart' },
    svg('title', {}, label),
    ...rows.map((r, i) => svg('g', {},
      svg('text', { x: left - 8, y: i * rowH + 17, class: 'tick', 'text-anchor': 'end' }, r.label),
      svg('rect', { x: left, y: i * rowH + 4, width: W - left - 140, height: rowH - 8, class: 'track' }),
      svg('rect', { x: left, y: i * rowH + 4, width: Math.max(0, (r.rate ?? 0) * (W - left - 140)), height: rowH - 8, class: `mark s${i === 0 && r.first ? 5 : 0}` }, svg('title', {}, `${r.label}: ${r.text}`)),
      svg('text', { x: W - 132, y: i * rowH + 17, class: 'tick' }, r.text),
    )));
}

/** The numbers behind a chart, for screen readers: a table that is there but not shown. */
function dataTable(caption, head, rows) {
  return el('table', { class: 'sr' }, el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, el('th', { scope: 'row' }, r[0]), ...r.slice(1).map((c) => el('td', {}, c))))));
}

/** A series keeps its colour (and dash) by `tone`, so a stage looks the same whichever others have data. */
const tone = (s, j) => (s.tone ?? j) % 6;
const legend = (series, chart) => el('ul', { class: 'legend' }, ...series.map((s, j) => el('li', { class: `s${tone(s, j)}` },
  el('span', { class: chart === lines ? `key d${tone(s, j) % 3}` : 'key swatch', 'aria-hidden': 'true' }), s.name)));

function metric(title, summary, ...body) {
  return el('figure', { class: 'result' }, el('figcaption', {}, el('h3', {}, title), el('p', { class: 'summary' }, summary)), ...body);
}

const empty = (title, message) => el('figure', { class: 'result' }, el('figcaption', {}, el('h3', {}, title)), el('p', { class: 'empty' }, message));

/** Per-week series as a chart, its legend and its table, or the empty state when every number is 0. */
function weekly(title, weeks, series, { chart, summary, none }) {
  if (series.every((s) => sum(s.values) === 0)) return empty(title, none);
  const label = `${title}: ${summary}`;
  return metric(title, summary, chart(label, weeks, series), series.length > 1 ? legend(series, chart) : '',
    dataTable(title, ['Week of', ...series.map((s) => s.name)], weeks.map((w, i) => [weekName(w), ...series.map((s) => s.values[i])])));
}

function stagesChart(r) {
  const series = Object.entries(r.stages).map(([stage, values], tone) => ({ name: stageName(stage), values, tone })).filter((s) => sum(s.values) > 0);
  const last = series.map((s) => `${s.name} ${s.values[s.values.length - 1]}`).join(', ');
  return weekly('Contacts per stage', r.weeks, series, { chart: lines, summary: `At the end of each week. Now: ${last}.`, none: 'No contacts scored in these weeks yet.' });
}

function mqlChart(r) {
  const total = sum(r.mqlsPerWeek);
  const peak = Math.max(...r.mqlsPerWeek);
  const summary = `${plural(total, 'MQL')} in ${plural(r.weeks.length, 'week')}, at most ${peak} in a week.`;
  return weekly('MQLs per week', r.weeks, [{ name: 'MQLs', values: r.mqlsPerWeek }], { chart: columns, summary, none: 'No contact became an MQL in these weeks yet.' });
}

function timeToMql(r) {
  const t = r.timeToMqlDays;
  const title = 'Time to MQL';
  if (!t.n) return empty(title, 'No MQLs in these weeks yet, so no time to MQL.');
  const summary = `Median ${plural(t.median, 'day')}, 90th percentile ${plural(t.p90, 'day')}, over ${plural(t.n, 'MQL')} (from a contact's first recorded event). Each week's median below; a week without an MQL has none.`;
  // A week without an MQL is drawn as no column and reads "none" in the table, not as zero days.
  const series = [{ name: 'median days', values: t.medianPerWeek.map((v) => v ?? 0) }];
  return metric(title, summary, columns(`${title}: ${summary}`, r.weeks, series), '',
    dataTable(title, ['Week of', 'median days'], r.weeks.map((w, i) => [weekName(w), t.medianPerWeek[i] ?? 'none'])));
}

function progressionChart(r) {
  const title = 'Stage progression';
  const rows = r.progression.filter((p) => p.reached > 0);
  if (rows.length === 0) return empty(title, 'No contact reached a stage in these weeks yet.');
  const name = stageName;
  const summary = `Of the contacts that reached a stage in these weeks, the share that moved further: ${rows.map((p) => `${name(p.from)} ${pct(p.rate)}`).join(', ')}.`;
  return metric(title, summary,
    shares(`${title}: ${summary}`, rows.map((p) => ({ label: `${name(p.from)} → ${name(p.to)}+`, rate: p.rate, text: `${pct(p.rate)} (${p.progressed} of ${p.reached})` }))),
    dataTable(title, ['Stage reached', 'Contacts', 'Moved further', 'Share'], rows.map((p) => [name(p.from), p.reached, p.progressed, pct(p.rate)])));
}

function reengagementChart(r) {
  const title = 'Re-engagement yield';
  if (r.reengagement.length === 0) return empty(title, 'No contact entered re-engagement in these weeks yet.');
  const [all, ...causes] = r.reengagement;
  const name = (c) => CAUSE_NAMES[c] ?? c.replace(/_/g, ' ');
  const summary = `${plural(all.entered, 'contact')} entered re-engagement; ${all.returned} came back (${pct(all.rate)})${causes.length ? `: ${causes.map((c) => `${c.returned} through ${name(c.cause).toLowerCase()}`).join(', ')}` : ''}.`;
  return metric(title, summary,
    shares(`${title}: ${summary}`, r.reengagement.map((c, i) => ({ label: name(c.cause), rate: c.rate, text: `${pct(c.rate)} (${c.returned} of ${c.entered})`, first: i === 0 }))),
    dataTable(title, ['What brought them back', 'Came back', 'Entered', 'Share'], r.reengagement.map((c) => [name(c.cause), c.returned, c.entered, pct(c.rate)])));
}

function tasksChart(r) {
  const created = sum(r.tasks.created);
  const completed = sum(r.tasks.completed);
  const summary = `${plural(created, 'task')} created for reps, ${completed} known completed.`;
  const chart = weekly('Rep tasks', r.weeks, [{ name: 'created', values: r.tasks.created }, { name: 'completed', values: r.tasks.completed }], { chart: columns, summary, none: 'Kindling created no rep tasks in these weeks yet.' });
  // Completion is counted only once Kindling learns of it from the CRM; say so rather than show a silent zero.
  if (created > 0 && completed === 0) chart.append(el('p', { class: 'note' }, 'No completed tasks recorded yet: completion appears here once Kindling learns it from the CRM.'));
  return chart;
}

async function draw(out, status, api, weeks) {
  status.textContent = 'Loading results…';
  const { ok, status: code, body } = await api(`/api/results?weeks=${weeks}`);
  if (!ok) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, body?.message ?? `Results could not be loaded (HTTP ${code}).`));
    status.textContent = '';
    return;
  }
  out.replaceChildren(stagesChart(body), mqlChart(body), timeToMql(body), progressionChart(body), reengagementChart(body), tasksChart(body));
  status.textContent = `Showing ${plural(body.weeks.length, 'week')}, from the week of ${weekName(body.weeks[0])}.`;
}

/**
 * Draws the results charts into `container`: contacts per stage, MQLs per week, time to MQL, stage
 * progression, re-engagement yield and rep tasks, over a choice of weeks. `api(path)` answers
 * `{ ok, status, body }`.
 */
export async function renderResults(container, api) {
  const select = el('select', { id: 'results-weeks' }, ...WEEK_CHOICES.map((n) => el('option', { value: n, selected: n === 12 }, `${n} weeks`)));
  const status = el('p', { role: 'status', class: 'summary' });
  const out = el('div', { class: 'results' });
  container.classList.add('results-panel');
  container.replaceChildren(el('div', { class: 'row' }, el('label', { for: 'results-weeks' }, 'Weeks shown'), select), status, out);
  const redraw = () => draw(out, status, api, Number(select.value)).catch(() => {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, 'Results could not be loaded.'));
    status.textContent = '';
  });
  select.addEventListener('change', redraw);
  await redraw();
}
