// Kindling's setup screen: plain modules and the platform, no framework to download — it loads at once.
import { loadAlerts, wireAlerts } from './alerts-panel.js';
import { renderConnection, wireUninstall } from './connection-panel.js';
import { wireExplain } from './explain-panel.js';
import { $, api, el, setCsrf, when } from './dom.js';
import { loadMappings, wireTracks } from './mapping-panel.js';
import { loadModel, wireModel } from './model-panel.js';
import { loadRouting, wireRouting } from './routing-panel.js';
import { renderResults } from './results.js';

async function loadDeadLetters() {
  const { body } = await api('/api/dead-letters');
  const open = (body.deadLetters ?? []).filter((d) => !d.replayed_at).length;
  $('replay-all').disabled = open === 0;
  $('dead-letters').replaceChildren(...(body.deadLetters ?? []).map((d) => {
    const button = el('button', { type: 'button', 'data-id': d.id, disabled: !!d.replayed_at }, d.replayed_at ? 'Replayed' : 'Replay');
    button.addEventListener('click', async () => {
      const r = await api(`/api/dead-letters/${d.id}/replay`, { method: 'POST' });
      button.textContent = r.ok ? 'Replayed' : 'Failed';
      button.disabled = r.ok;
    });
    return el('tr', {}, el('td', {}, when(d.created_at)), el('td', {}, `${d.payload.kind ?? d.origin} for ${d.payload.contactId ?? d.ref_id ?? '—'}`), el('td', {}, d.error), el('td', {}, button));
  }));
  if (!body.deadLetters?.length) $('dead-letters').replaceChildren(el('tr', {}, el('td', { colspan: '4' }, 'None: every write went through.')));
}

async function loadAudit() {
  const { body } = await api('/api/audit');
  const what = (e) => [e.action, ...(e.detail?.changes ?? [])].join(' · ') + (e.detail?.version ? ` (version ${e.detail.version})` : '');
  $('audit').replaceChildren(...(body.entries ?? []).map((e) => el('tr', {}, el('td', {}, when(e.at)), el('td', {}, e.actor), el('td', {}, what(e)))));
  if (!body.entries?.length) $('audit').replaceChildren(el('tr', {}, el('td', { colspan: '3' }, 'No changes yet.')));
}

function signalExample(tenantId) {
  return [
    `body='{"id":"sig-42","contactId":"101","kind":"funding_round","strength":0.9,"detail":"Series B"}'`,
    'ts=$(date +%s%3N)',
    `sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$KINDLING_SIGNALS_SECRET" -binary | base64)`,
    `curl -sS -X POST ${location.origin}/webhooks/signals -H 'content-type: application/json' \\`,
    `  -H 'x-kindling-tenant: ${tenantId}' -H "x-kindling-timestamp: $ts" -H "x-kindling-signature: $sig" -d "$body"`,
  ].join('\n');
}

async function main() {
  const session = (await api('/api/session')).body;
  setCsrf(session.csrfToken);
  await renderConnection(session);
  $('secret').value = (await api('/api/signals-secret')).body.secret ?? '';
  $('signal-example').textContent = signalExample(session.tenantId);
  wireModel(loadAudit);
  wireTracks();
  wireRouting();
  wireAlerts();
  wireExplain();
  wireUninstall();
  await Promise.all([loadModel(), loadDeadLetters(), loadMappings(), loadRouting(), loadAlerts(), loadAudit(), renderResults($('results'), api)]);
  $('copy').addEventListener('click', () => navigator.clipboard?.writeText($('secret').value));
  $('copy-example').addEventListener('click', () => navigator.clipboard?.writeText($('signal-example').textContent));
  $('replay-all').addEventListener('click', async () => {
    const r = await api('/api/dead-letters/replay-all', { method: 'POST' });
    $('replay-all-out').textContent = r.ok ? `${r.body.replayed} replayed.` : r.body.message;
    await loadDeadLetters();
  });
}

main();
