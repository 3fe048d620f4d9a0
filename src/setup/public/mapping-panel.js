import { $, api, el, stageName, trackName } from './dom.js';

const KIND = { sequence: 'Sequences', cadence: 'Cadences', campaign: 'Campaigns' };

function fieldRow(o, f) {
  const id = `map-${o.objectType}-${f.kind}-${f.field}`;
  const select = el('select', { id, 'data-kind': f.kind, 'data-field': f.field, 'aria-describedby': `${id}-error` });
  select.append(...o.properties.map((p) => el('option', { value: p.name }, `${p.label} (${p.name}, ${p.type})`)));
  if (!o.properties.some((p) => p.name === f.property)) select.append(el('option', { value: f.property }, `${f.property} (missing in the CRM)`));
  select.value = f.property;
  return el('tr', {}, el('td', {}, el('label', { for: id }, `${f.field} — Kindling ${f.kind === 'profile' ? 'reads' : 'writes'} ${f.expects}`)), el('td', {}, select), el('td', { class: 'error', id: `${id}-error`, role: 'alert' }));
}

function stageRow(o, s) {
  const id = `map-${o.objectType}-stage-${s.stage}`;
  let input;
  if (o.stageValues) {
    input = el('select', { id, 'data-stage': s.stage, 'aria-describedby': `${id}-error` }, ...o.stageValues.map((v) => el('option', { value: v.value }, `${v.label} (${v.value})`)));
    if (s.value && !o.stageValues.some((v) => v.value === s.value)) input.append(el('option', { value: s.value }, `${s.value} (not a value the CRM has)`));
  } else input = el('input', { id, 'data-stage': s.stage, type: 'text', 'aria-describedby': `${id}-error` });
  input.value = s.value ?? '';
  return el('tr', {}, el('td', {}, el('label', { for: id }, stageName(s.stage))), el('td', {}, input), el('td', { class: 'error', id: `${id}-error`, role: 'alert' }));
}

function objectForm(o) {
  const out = el('p', { role: 'status', id: `map-out-${o.objectType}` });
  const form = el('form', { id: `map-form-${o.objectType}`, 'aria-labelledby': `map-${o.objectType}-h` },
    el('h3', { id: `map-${o.objectType}-h` }, o.label),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Kindling field'), el('th', { scope: 'col' }, 'CRM field'), el('th', { scope: 'col' }, el('span', { class: 'sr' }, 'Problem')))), el('tbody', {}, ...o.fields.map((f) => fieldRow(o, f)))),
    el('h4', {}, `Stages, as the CRM's ${o.stageProperty ?? 'stage'} field holds them`),
    o.stageValues ? null : el('p', {}, 'This field takes any text.'),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Kindling stage'), el('th', { scope: 'col' }, 'CRM value'), el('th', { scope: 'col' }, el('span', { class: 'sr' }, 'Problem')))), el('tbody', {}, ...o.stages.map((s) => stageRow(o, s)))),
    el('button', { type: 'submit' }, `Save ${o.label.toLowerCase()} mapping`), out);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { objectType: o.objectType, profile: {}, outputs: {}, stages: {} };
    for (const s of form.querySelectorAll('select[data-field]')) body[s.dataset.kind][s.dataset.field] = s.value;
    for (const s of form.querySelectorAll('[data-stage]')) if (s.value) body.stages[s.dataset.stage] = s.value;
    const r = await api('/api/mappings', { method: 'PUT', body: JSON.stringify(body) });
    for (const cell of form.querySelectorAll('td.error')) cell.textContent = '';
    for (const i of r.body.issues ?? []) {
      const cell = i.field.startsWith('stage.') ? $(`map-${o.objectType}-stage-${i.field.slice(6)}-error`) : form.querySelector(`td.error[id$="-${CSS.escape(i.field)}-error"]`);
      if (cell) cell.textContent = i.message;
    }
    out.textContent = r.ok ? 'Mapping saved; profiles are read through it from the next event.' : r.body.message;
  });
  return form;
}

function tracksTable(m) {
  $('tracks').replaceChildren(...m.tracks.map((t) => {
    const id = `track-${t.track}`;
    const select = el('select', { id, 'data-track': t.track, 'aria-describedby': `${id}-error` }, el('option', { value: '' }, '— not mapped —'));
    for (const kind of Object.keys(KIND)) {
      const of = m.targets.filter((x) => x.kind === kind);
      if (of.length) select.append(el('optgroup', { label: KIND[kind] }, ...of.map((x) => el('option', { value: x.id }, x.label))));
    }
    select.value = t.target ?? '';
    return el('tr', {}, el('td', {}, el('label', { for: id }, trackName(t.track))), el('td', {}, select), el('td', { class: 'error', id: `${id}-error`, role: 'alert' }));
  }));
}

export async function loadMappings() {
  const { ok, body } = await api('/api/mappings');
  if (!ok) return void $('map-objects').replaceChildren(el('p', { class: 'error' }, body.message ?? 'The CRM did not answer; try again shortly.'));
  $('map-objects').replaceChildren(...body.objects.map(objectForm));
  tracksTable(body);
}

export function wireTracks() {
  $('tracks-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const tracks = {};
    for (const s of document.querySelectorAll('#tracks select')) tracks[s.dataset.track] = s.value || null;
    const r = await api('/api/mappings/tracks', { method: 'PUT', body: JSON.stringify({ tracks }) });
    for (const cell of document.querySelectorAll('#tracks td.error')) cell.textContent = '';
    for (const i of r.body.issues ?? []) if ($(`track-${i.field}-error`)) $(`track-${i.field}-error`).textContent = i.message;
    $('tracks-out').textContent = r.ok ? 'Tracks saved; contacts entering a track from now on go there.' : r.body.message;
  });
}
