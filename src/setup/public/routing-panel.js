import { $, api, el } from './dom.js';

let data;

function ownerSelect(id, value, blank) {
  const s = el('select', { id }, el('option', { value: '' }, blank), ...data.owners.map((o) => el('option', { value: o.id }, o.label)));
  s.value = value ?? '';
  return s;
}

function ruleRow(rule, i) {
  const field = el('select', { id: `route-${i}-field`, 'data-part': 'field' }, ...data.fields.map((f) => el('option', { value: f }, data.labels?.[f] ?? f)));
  field.value = rule.field;
  const values = el('input', { id: `route-${i}-values`, 'data-part': 'values', type: 'text', value: rule.values.join(', '), placeholder: 'Germany, Austria' });
  const owner = ownerSelect(`route-${i}-owner`, rule.ownerId, '— choose —');
  owner.dataset.part = 'owner';
  const remove = el('button', { type: 'button', 'aria-label': `Remove rule ${i + 1}` }, 'Remove');
  remove.addEventListener('click', () => {
    data.routing.rules = read().rules.filter((_r, j) => j !== i);
    render();
  });
  return el('tr', { 'data-rule': String(i) },
    el('td', {}, el('label', { for: field.id, class: 'sr' }, `Rule ${i + 1} field`), field),
    el('td', {}, el('label', { for: values.id, class: 'sr' }, `Rule ${i + 1} values (comma-separated)`), values),
    el('td', {}, el('label', { for: owner.id, class: 'sr' }, `Rule ${i + 1} owner`), owner),
    el('td', {}, remove, el('span', { class: 'error', id: `route-${i}-error`, role: 'alert' })));
}

function read() {
  const rules = [...document.querySelectorAll('#routes tr[data-rule]')].map((tr) => ({
    field: tr.querySelector('[data-part="field"]').value,
    values: tr.querySelector('[data-part="values"]').value.split(',').map((v) => v.trim()).filter(Boolean),
    ownerId: tr.querySelector('[data-part="owner"]').value,
  }));
  const defaultOwnerId = $('route-default').value || undefined;
  return { rules, ...(defaultOwnerId ? { defaultOwnerId } : {}) };
}

function render() {
  $('routes').replaceChildren(...data.routing.rules.map(ruleRow));
  if (!data.routing.rules.length) $('routes').replaceChildren(el('tr', {}, el('td', { colspan: '4' }, 'No rules: unowned contacts go to the default owner.')));
  const d = ownerSelect('route-default', data.routing.defaultOwnerId, '— nobody (the task stays unassigned) —');
  $('route-default-slot').replaceChildren(d);
}

export async function loadRouting() {
  const r = await api('/api/routing');
  if (!r.ok) return void ($('routing-out').textContent = r.body.message ?? 'The CRM did not answer; try again shortly.');
  data = r.body;
  render();
}

export function wireRouting() {
  $('route-add').addEventListener('click', () => {
    data.routing = { ...read(), rules: [...read().rules, { field: 'country', values: [], ownerId: '' }] };
    render();
  });
  $('routing-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const routing = read();
    const r = await api('/api/routing', { method: 'PUT', body: JSON.stringify({ routing }) });
    for (const s of document.querySelectorAll('#routing-form .error')) s.textContent = '';
    for (const i of r.body.issues ?? []) {
      const m = /^rules\.(\d+)/.exec(i.field);
      const slot = m ? $(`route-${m[1]}-error`) : $('route-default-error');
      // Several problems with one rule are all shown, not the last alone.
      if (slot) slot.textContent = slot.textContent ? `${slot.textContent}; ${i.message}` : i.message;
    }
    $('routing-out').textContent = r.ok ? 'Routing saved; the next task for an unowned contact follows it.' : r.body.message;
    if (r.ok) data.routing = routing;
  });
}
