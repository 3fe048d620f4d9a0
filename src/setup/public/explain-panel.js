import { $, api, el, trackName, when } from './dom.js';

const sign = (n) => `${n > 0 ? '+' : ''}${Math.round(n)}`;
const change = (from, to, name) => (from === to ? null : `${name} ${from ?? '—'} → ${to}`);
const WRITE = { set_properties: 'wrote properties', create_task: 'created a task', enroll: 'enrolled', unenroll: 'unenrolled', notify: 'alerted' };

function summary(w) {
  const p = w.payload ?? {};
  if (w.kind === 'set_properties') return Object.entries(p.properties ?? {}).map(([k, v]) => `${k} = ${typeof v === 'string' && v.length > 60 ? `${v.slice(0, 60)}…` : v}`).join(', ');
  if (w.kind === 'create_task') return `"${p.subject}" (${p.priority}, due ${when(p.dueAt)})`;
  if (w.kind === 'enroll' || w.kind === 'unenroll') return `${trackName(p.track)} track${p.reason ? `: ${p.reason}` : ''}`;
  return p.text ?? '';
}

function outcome(w) {
  if (w.status === 'sent') return w.result?.skipped ? `not sent: ${w.result.skipped}` : `done${w.result?.id ? ` (CRM id ${w.result.id})` : ''}${w.completed_at ? `, completed ${when(w.completed_at)}` : ''}`;
  if (w.status === 'dead') return `refused: ${w.last_error}`;
  return `${w.status}${w.last_error ? ` (last try: ${w.last_error})` : ''}`;
}

function render(b) {
  const p = b.contact.profile ?? {};
  const r = b.result;
  const who = [p.firstName, p.lastName].filter(Boolean).join(' ') || p.email || b.contact.id;
  const rows = (items, cells) => items.map((i) => el('tr', {}, ...cells(i).map((c) => el('td', {}, c ?? ''))));
  const parts = [
    el('h3', {}, `${who}${p.company ? ` (${p.company})` : ''} · ${b.contact.objectType} ${b.contact.id}`),
    r ? el('p', {}, `Score ${r.score} (fit ${r.fitScore}, grade ${r.grade}; engagement ${r.engagementScore}) · stage ${r.stage} · ${trackName(r.track)} track · scored ${when(r.evaluatedAt)} by model version ${b.contact.modelVersion ?? 'default'}`) : el('p', {}, 'Not scored yet.'),
    b.contact.lastError ? el('p', { class: 'error' }, `Its last recompute failed: ${b.contact.lastError}`) : null,
    el('h4', {}, 'Why this score'),
    el('ul', {}, ...(r?.reasons ?? []).filter((x) => x.points).map((x) => el('li', {}, `${sign(x.points)} ${x.label}${x.count > 1 ? ` (${x.count}×)` : ''}${x.at ? `, latest ${when(x.at)}` : ''}`))),
    el('h4', {}, 'What changed, and why'),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'When'), el('th', { scope: 'col' }, 'Change'), el('th', { scope: 'col' }, 'Brought about by'))),
      el('tbody', {}, ...rows(b.transitions, (t) => [when(t.at), [change(t.from_stage, t.to_stage, 'stage'), change(t.from_track, t.to_track, 'track')].filter(Boolean).join(' · '), t.cause ? t.cause.replace(/_/g, ' ') : 'time alone (silence, a cooldown, fading)']))),
    el('h4', {}, 'What Kindling did in the CRM'),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'When'), el('th', { scope: 'col' }, 'Action'), el('th', { scope: 'col' }, 'Outcome'))),
      el('tbody', {}, ...rows(b.writes, (w) => [when(w.created_at), `${WRITE[w.kind] ?? w.kind}: ${summary(w)}`, outcome(w)]))),
    el('h4', {}, 'What Kindling heard'),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'When'), el('th', { scope: 'col' }, 'Event'), el('th', { scope: 'col' }, 'Detail'))),
      el('tbody', {}, ...rows(b.events, (e) => [when(e.occurred_at), e.type.replace(/_/g, ' '), e.attrs.url ?? e.attrs.formName ?? e.attrs.kind ?? e.attrs.emailId ?? '']))),
  ];
  // replaceChildren would print a null as the text "null".
  $('explain-out').replaceChildren(...parts.filter(Boolean));
}

/** "Why did Kindling do that?": one contact's score, its changes and their causes, its writes and events. */
export function wireExplain() {
  $('explain-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api(`/api/contacts/explain?q=${encodeURIComponent($('explain-q').value.trim())}`);
    if (!r.ok) return void $('explain-out').replaceChildren(el('p', { role: 'alert' }, r.body.message ?? 'Not found.'));
    render(r.body);
  });
}
