import express, { Router } from 'express';
import { z } from 'zod';
import { requireAdmin } from '../auth/session';
import type { Keyring } from '../crypto';
import type { Db } from '../store/db';
import { saveSettings } from '../store/tenant-settings';
import { refuse } from './admin-context';
import { channelOf, checkChannelUrl, sendNotification, withChannel } from '../writer/notify';

/** A URL to connect, or null to disconnect: an empty string is neither. */
const body = z.object({ webhookUrl: z.string().trim().min(1).max(2000).nullable() });

/**
 * The alert channel for hot handoffs and overdue tasks. The URL is a secret (whoever has it can post), so
 * it is sealed at rest and only its host is ever shown back.
 */
export function adminNotificationRoutes(deps: { db: Db; keyring: Keyring; allowHttp: boolean }): Router {
  const r = Router();
  const channel = async (tenantId: string) => {
    const t = await deps.db.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirstOrThrow();
    return channelOf(t.settings, deps.keyring);
  };
  r.use('/api/notifications', requireAdmin, express.json({ limit: '8kb' }));

  r.get('/api/notifications', async (_req, res) => {
    const c = await channel(res.locals.tenantId as string);
    res.set('Cache-Control', 'no-store').json({ configured: !!c, ...(c ? { host: new URL(c.url).host } : {}) });
  });

  r.put('/api/notifications', async (req, res) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return void refuse(res, [{ field: 'webhookUrl', message: 'paste the incoming webhook URL from Slack or Teams' }], 'Paste the incoming webhook URL to connect, or use Disconnect.');
    const url = parsed.data.webhookUrl;
    const problem = url ? checkChannelUrl(url, deps.allowHttp) : undefined;
    if (problem) return void refuse(res, [{ field: 'webhookUrl', message: problem }], `The alert URL ${problem}.`);
    const entry = { tenantId: res.locals.tenantId as string, actor: res.locals.admin, action: url ? 'notifications.connected' : 'notifications.disconnected', detail: url ? { host: new URL(url).host } : {} };
    await saveSettings(deps.db, entry, (s) => withChannel(s, url, deps.keyring));
    res.json({ saved: true });
  });

  r.post('/api/notifications/test', async (_req, res) => {
    const c = await channel(res.locals.tenantId as string);
    if (!c) return void res.status(409).json({ error: 'not_configured', message: 'connect an alert channel first' });
    const sent = await sendNotification(c, { text: 'Kindling test alert: hot handoffs and overdue tasks will arrive here.', priority: 'LOW' });
    res.status(sent.ok ? 200 : 502).json(sent.ok ? { sent: true } : { error: 'channel_refused', message: sent.error });
  });
  return r;
}
