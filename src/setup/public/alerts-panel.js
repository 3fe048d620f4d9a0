import { $, api } from './dom.js';

async function show() {
  const { body } = await api('/api/notifications');
  $('alerts-state').textContent = body.configured ? `Alerts go to ${body.host}.` : 'No channel connected: alerts are recorded, not sent.';
  $('alerts-test').disabled = !body.configured;
  $('alerts-off').disabled = !body.configured;
}

async function save(webhookUrl) {
  const r = await api('/api/notifications', { method: 'PUT', body: JSON.stringify({ webhookUrl }) });
  $('alerts-error').textContent = r.ok ? '' : r.body.message;
  $('alerts-out').textContent = r.ok ? (webhookUrl ? 'Channel connected.' : 'Channel disconnected.') : '';
  if (r.ok) $('alerts-url').value = '';
  await show();
}

/** Hot handoffs and overdue tasks, posted to a Slack or Teams incoming webhook (or any URL taking {"text"}). */
export async function loadAlerts() {
  await show();
}

export function wireAlerts() {
  $('alerts-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void save($('alerts-url').value.trim());
  });
  $('alerts-off').addEventListener('click', () => void save(null));
  $('alerts-test').addEventListener('click', async () => {
    const r = await api('/api/notifications/test', { method: 'POST' });
    $('alerts-out').textContent = r.ok ? 'Test alert sent.' : r.body.message;
  });
}
