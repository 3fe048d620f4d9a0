import { $, api, el, when } from './dom.js';

const CRM = { hubspot: 'HubSpot portal', salesforce: 'Salesforce org' };

/** The connection at a glance: account, grant, token health, traffic, work owed and the last error. */
export async function renderConnection(session) {
  const { body: s } = await api('/api/status');
  $('connection').textContent = `Connected to ${CRM[session.crm] ?? session.crm} ${session.accountId} as ${session.user} · status ${s.tenant.status}`;
  const token = s.token.problem ? `needs attention: ${s.token.problem}` : s.token.connected ? `healthy; access token renews before ${when(s.token.accessTokenExpiresAt)}` : 'not connected';
  const facts = [
    ['Account', `${CRM[session.crm] ?? session.crm} ${session.accountId}${s.tenant.name ? ` (${s.tenant.name})` : ''}`],
    ['Granted scopes', (s.tenant.scopes ?? []).join(', ') || '—'],
    ['Token', token],
    ['Events received', `${s.eventsLastHour} in the last hour · ${s.events} in all (CRM webhooks and outside signals)`],
    ['Contacts scored', String(s.contacts)],
    ['Work queued', `${s.queue.recomputeBacklog} contacts to recompute · ${s.queue.writesPending} writes to send`],
    ['Last error', s.lastError ? `${s.lastError.message}${s.lastError.at ? ` (${when(s.lastError.at)})` : ''}` : 'none'],
  ];
  if (s.enrichment) facts.push(['HubSpot Events API', s.enrichment.eventsApi === 'available' ? 'available: page views and form fills are read in detail' : `not available to this account${s.enrichment.reason ? ` (${s.enrichment.reason})` : ''}; Kindling works from the contact's analytics and email properties`]);
  for (const f of s.facts ?? []) facts.push([f.label, f.value]);
  $('conn-details').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  return s;
}

/** Uninstall from the screen: the CRM's grant revoked, the tokens erased, the session over. */
export function wireUninstall() {
  $('uninstall').addEventListener('click', async () => {
    if (!confirm('Uninstall Kindling? It stops scoring and writing to the CRM at once; install it again to resume.')) return;
    const r = await api('/api/uninstall', { method: 'POST' });
    if (!r.ok) return void ($('uninstall-out').textContent = r.body.message);
    location.assign('/setup/signin');
  });
}
