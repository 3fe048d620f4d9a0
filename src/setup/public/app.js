// Kindling's setup screen: plain modules and the platform, no framework to download — it loads at once.
const $ = (id) => document.getElementById(id);
let session;
let model;

async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', 'x-csrf-token': session?.csrfToken ?? '', ...(init.headers ?? {}) } });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) location.href = '/setup/signin';
  return { ok: res.ok, status: res.status, body };
}

const text = (s) => document.createTextNode(String(s));
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(typeof c === 'string' || typeof c === 'number' ? text(c) : c);
  return e;
}

function draft() {
  const m = structuredClone(model);
  m.mql.threshold = Number($('threshold').value);
  m.halfLifeDays = Number($('halfLife').value);
  const rule = m.engagement.rules.find((r) => r.id === $('rule').value) ?? m.fit.rules.find((r) => r.id === $('rule').value);
  if (rule) rule.points = Number($('points').value);
  return m;
}

function showIssues(issues = []) {
  $('threshold-error').textContent = issues.find((i) => i.path === 'mql.threshold')?.message ?? '';
  $('halfLife-error').textContent = issues.find((i) => i.path === 'halfLifeDays')?.message ?? '';
}

function side(title, r) {
  return el('div', {}, el('strong', {}, title), el('p', {}, `Score ${r.score} · fit ${r.grade} · ${r.stage} · ${r.track.replace('_', '-')}`),
    el('ul', {}, ...r.reasons.filter((x) => x.points).map((x) => el('li', {}, `${x.points > 0 ? '+' : ''}${Math.round(x.points)} ${x.label}`))));
}

async function loadModel() {
  const { body } = await api('/api/model');
  model = body.model;
  $('model-version').textContent = body.version ? `Active: version ${body.version} (${model.name})` : `Active: Kindling's default model (${model.name})`;
  $('threshold').value = model.mql.threshold;
  $('halfLife').value = model.halfLifeDays;
  $('rule').replaceChildren(...[...model.engagement.rules, ...model.fit.rules].map((r) => el('option', { value: r.id }, `${r.label} (${r.points > 0 ? '+' : ''}${r.points})`)));
  $('points').value = [...model.engagement.rules, ...model.fit.rules][0]?.points ?? 0;
}

async function loadDeadLetters() {
  const { body } = await api('/api/dead-letters');
  $('dead-letters').replaceChildren(...(body.deadLetters ?? []).map((d) => {
    const button = el('button', { type: 'button', 'data-id': d.id }, d.replayed_at ? 'Replayed' : 'Replay');
    if (d.replayed_at) button.disabled = true;
    button.addEventListener('click', async () => {
      const r = await api(`/api/dead-letters/${d.id}/replay`, { method: 'POST' });
      button.textContent = r.ok ? 'Replayed' : 'Failed';
      button.disabled = r.ok;
    });
    return el('tr', {}, el('td', {}, new Date(d.created_at).toLocaleString()), el('td', {}, `${d.payload.kind} for ${d.payload.contactId}`), el('td', {}, d.error), el('td', {}, button));
  }));
  if (!body.deadLetters?.length) $('dead-letters').replaceChildren(el('tr', {}, el('td', { colspan: '4' }, 'None: every write went through.')));
}

async function loadMappings() {
  const { body } = await api('/api/mappings');
  if (!body.editable) {
    $('map-form').replaceChildren(el('p', {}, body.message ?? 'Not editable here.'));
    return;
  }
  const label = { profile: 'reads', outputs: 'writes' };
  $('mappings').replaceChildren(...body.fields.map((f) => {
    const id = `map-${f.kind}-${f.field}`;
    const select = el('select', { id, 'data-kind': f.kind, 'data-field': f.field });
    select.append(...body.properties.map((p) => el('option', { value: p.name }, `${p.label} (${p.name}, ${p.type})`)));
    select.value = f.property;
    return el('tr', {}, el('td', {}, el('label', { for: id }, `${f.field} — Kindling ${label[f.kind]} ${f.expects}`)), el('td', {}, select), el('td', { class: 'error', id: `${id}-error`, role: 'alert' }));
  }));
}

async function main() {
  session = (await api('/api/session')).body;
  const status = (await api('/api/status')).body;
  $('connection').textContent = `Connected to ${session.crm === 'hubspot' ? 'HubSpot portal' : 'Salesforce org'} ${session.accountId} as ${session.user} · ${status.events} events recorded, ${status.contacts} contacts scored, ${status.deadLetters} dead letters · status ${status.tenant.status}`;
  $('secret').value = (await api('/api/signals-secret')).body.secret ?? '';
  await loadModel();
  await loadDeadLetters();
  await loadMappings();
  $('map-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { profile: {}, outputs: {} };
    for (const s of document.querySelectorAll('#mappings select')) body[s.dataset.kind][s.dataset.field] = s.value;
    const r = await api('/api/mappings', { method: 'PUT', body: JSON.stringify(body) });
    for (const cell of document.querySelectorAll('#mappings td.error')) cell.textContent = '';
    for (const i of r.body.issues ?? []) {
      const cell = document.querySelector(`#mappings td.error[id$="-${i.field}-error"]`);
      if (cell) cell.textContent = i.message;
    }
    $('map-out').textContent = r.ok ? 'Mapping saved; profiles are read through it from the next event.' : r.body.message;
  });
  $('rule').addEventListener('change', () => {
    const r = [...model.engagement.rules, ...model.fit.rules].find((x) => x.id === $('rule').value);
    $('points').value = r?.points ?? 0;
  });
  $('copy').addEventListener('click', () => navigator.clipboard?.writeText($('secret').value));
  $('preview').addEventListener('click', async () => {
    const r = await api('/api/model/preview', { method: 'POST', body: JSON.stringify({ model: draft(), email: $('email').value }) });
    showIssues(r.body.issues);
    if (!r.ok) return void ($('preview-out').textContent = r.body.message);
    const t = r.body.threshold;
    $('preview-out').replaceChildren(
      r.body.contact ? el('div', { class: 'cmp' }, side('Current model', r.body.contact.current), side('Draft', r.body.contact.draft)) : el('p', {}, r.body.message ?? 'No contact picked.'),
      el('p', {}, `Contacts at or over the threshold: ${t.contactsOverCurrent} now (at ${t.current}), ${t.contactsOverDraft} with the draft (at ${t.draft}).`),
    );
  });
  $('model-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('/api/model', { method: 'PUT', body: JSON.stringify({ model: draft() }) });
    showIssues(r.body.issues);
    $('save-out').textContent = r.ok ? `Saved as version ${r.body.version}; it scores the next event.` : r.body.message;
    if (r.ok) await loadModel();
  });
}

main();
