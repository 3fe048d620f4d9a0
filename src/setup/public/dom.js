// Small helpers every panel of the setup screen shares: the admin API (with the session's CSRF token)
// and element building that never parses HTML, so nothing a CRM returns can inject markup.
export const $ = (id) => document.getElementById(id);
let csrfToken = '';
export const setCsrf = (token) => { csrfToken = token ?? ''; };

export async function api(path, init = {}) {
  const res = await fetch(path, { ...init, headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken, ...(init.headers ?? {}) } });
  const body = await res.json().catch(() => ({}));
  if (res.status === 401) location.href = '/setup/signin';
  return { ok: res.ok, status: res.status, body };
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  for (const c of children) if (c !== undefined && c !== null) e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  return e;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const stageName = (s) => ({ subscriber: 'Subscriber', lead: 'Lead', mql: 'MQL', sql: 'SQL', opportunity: 'Opportunity', customer: 'Customer', disqualified: 'Disqualified' })[s] ?? s;
export const trackName = (t) => ({ welcome: 'Welcome', educate: 'Educate', handoff: 'Handoff', re_engage: 'Re-engage', suppressed: 'Suppressed' })[t] ?? t;
