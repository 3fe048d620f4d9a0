import { $, api, el, trackName, when } from './dom.js';

// The draft being edited: the active model plus the admin's changes, kept across rule switches.
let active;
let working;
let ruleId;
// Called after a save or a rollback, so the rest of the screen (the audit trail) follows.
let afterChange = async () => {};

const rules = (m) => [...m.engagement.rules, ...m.fit.rules];
const num = (id) => ($(id).value === '' ? undefined : Number($(id).value));

/** Writes the form's fields into the working draft (the selected rule included). */
function applyForm() {
  const m = working;
  m.mql.threshold = Number($('threshold').value);
  m.mql.hysteresis = num('hysteresis') ?? 0;
  if ($('minGrade').value) m.mql.minGrade = $('minGrade').value;
  else delete m.mql.minGrade;
  m.halfLifeDays = Number($('halfLife').value);
  m.tracks.silenceDays = Number($('silence').value);
  m.handoff.slaHours.HIGH = Number($('slaHigh').value);
  const rule = rules(m).find((r) => r.id === ruleId);
  if (!rule) return m;
  rule.points = Number($('points').value);
  if ('event' in rule) {
    const max = num('capMax');
    if (max === undefined) delete rule.cap;
    else rule.cap = { max, windowDays: num('capDays') ?? 1 };
    const url = $('matchUrl').value.trim();
    if (url) rule.match = { ...rule.match, url };
    else if (rule.match) delete rule.match.url;
  }
  return m;
}

function showRule() {
  const rule = rules(working).find((r) => r.id === ruleId);
  $('points').value = rule?.points ?? 0;
  const engagement = !!rule && 'event' in rule;
  for (const row of document.querySelectorAll('.engagement-only')) row.hidden = !engagement;
  $('capMax').value = engagement ? rule.cap?.max ?? '' : '';
  $('capDays').value = engagement ? rule.cap?.windowDays ?? '' : '';
  $('matchUrl').value = engagement ? rule.match?.url ?? '' : '';
}

function showModel() {
  const m = working;
  $('threshold').value = m.mql.threshold;
  $('hysteresis').value = m.mql.hysteresis ?? 0;
  $('minGrade').value = m.mql.minGrade ?? '';
  $('halfLife').value = m.halfLifeDays;
  $('silence').value = m.tracks.silenceDays;
  $('slaHigh').value = m.handoff.slaHours.HIGH;
  $('rule').replaceChildren(...rules(m).map((r) => el('option', { value: r.id }, `${r.label} (${r.points > 0 ? '+' : ''}${r.points})`)));
  ruleId = rules(m).some((r) => r.id === ruleId) ? ruleId : rules(m)[0]?.id;
  $('rule').value = ruleId ?? '';
  showRule();
  $('model-json').value = JSON.stringify(m, null, 2);
}

/** zod's issues beside the field they name; the rest in one list under the form. */
function showIssues(issues = []) {
  for (const e of document.querySelectorAll('#model-form .error')) e.textContent = '';
  const rest = [];
  for (const i of issues) {
    const input = document.querySelector(`#model-form [data-path="${CSS.escape(i.path)}"]`);
    const slot = input && $(`${input.id}-error`);
    if (slot) slot.textContent = i.message;
    else rest.push(el('li', {}, `${i.path || 'model'}: ${i.message}`));
  }
  $('model-errors').replaceChildren(...rest);
}

function side(title, r) {
  return el('div', {}, el('strong', {}, title), el('p', {}, `Score ${r.score} · fit ${r.grade} · ${r.stage} · ${trackName(r.track)}`),
    el('ul', {}, ...r.reasons.filter((x) => x.points).map((x) => el('li', {}, `${x.points > 0 ? '+' : ''}${Math.round(x.points)} ${x.label}`))));
}

async function loadVersions() {
  const { body } = await api('/api/model/versions');
  const rows = (body.versions ?? []).map((v) => {
    const button = el('button', { type: 'button', 'aria-label': `Roll back to version ${v.version}`, disabled: v.active }, v.active ? 'Active' : 'Roll back');
    button.addEventListener('click', async () => {
      const r = await api('/api/model/rollback', { method: 'POST', body: JSON.stringify({ version: v.version }) });
      $('save-out').textContent = r.ok ? `Rolled back to version ${v.version}; it scores the next event.` : r.body.message;
      await loadModel();
      await afterChange();
    });
    return el('tr', {}, el('td', {}, String(v.version)), el('td', {}, v.created_by ?? '—'), el('td', {}, when(v.created_at)), el('td', {}, button));
  });
  $('versions').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: '4' }, "None saved yet: Kindling's default model is active."))]));
}

export async function loadModel() {
  const { body } = await api('/api/model');
  active = body.model;
  working = structuredClone(active);
  $('model-version').textContent = body.version ? `Active: version ${body.version} (${active.name})` : `Active: Kindling's default model (${active.name})`;
  showModel();
  await loadVersions();
}

export function wireModel(onChanged) {
  afterChange = onChanged ?? afterChange;
  $('rule').addEventListener('change', () => {
    applyForm();
    ruleId = $('rule').value;
    showRule();
  });
  $('use-json').addEventListener('click', () => {
    try {
      working = JSON.parse($('model-json').value);
      showIssues([]);
      showModel();
    } catch (err) {
      showIssues([{ path: 'JSON', message: String(err.message ?? err) }]);
    }
  });
  $('preview').addEventListener('click', async () => {
    const r = await api('/api/model/preview', { method: 'POST', body: JSON.stringify({ model: applyForm(), email: $('email').value }) });
    showIssues(r.body.issues);
    if (!r.ok) return void ($('preview-out').textContent = r.body.message);
    const t = r.body.threshold;
    $('preview-out').replaceChildren(
      r.body.contact ? el('div', { class: 'cmp' }, side('Current model', r.body.contact.current), side('Draft', r.body.contact.draft)) : el('p', {}, r.body.message ?? 'No contact picked.'),
      el('p', {}, `Of the ${t.contactsScored} contacts active most recently${t.contactsInAll > t.contactsScored ? ` (of ${t.contactsInAll})` : ''}, scored afresh under each model: ${t.contactsOverCurrent} at or over the threshold now (at ${t.current}), ${t.contactsOverDraft} with the draft (at ${t.draft}).`),
    );
  });
  $('model-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('/api/model', { method: 'PUT', body: JSON.stringify({ model: applyForm() }) });
    showIssues(r.body.issues);
    $('save-out').textContent = r.ok ? `Saved as version ${r.body.version}; it scores the next event.` : r.body.message;
    if (r.ok) {
      await loadModel();
      await afterChange();
    }
  });
}
