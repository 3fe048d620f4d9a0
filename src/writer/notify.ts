import { z } from 'zod';
import type { ItemResult } from '../crm/connector';
import { type Keyring, open, seal } from '../crypto';
import type { NotifyPayload } from '../outbox/payloads';

/** A Slack or Teams incoming webhook, or any URL that takes `{"text": …}`: the URL is the secret, so it is sealed. */
const channelSchema = z.object({ webhookUrlEnc: z.string().min(1) });
/** Chat services answer in well under a second; a hung one must not hold a tenant's writer. */
const TIMEOUT_MS = 5000;

export interface NotificationChannel {
  url: string;
}

/** The tenant's alert channel (`settings.notifications`), opened with the keyring; none when unset. */
export function channelOf(settings: unknown, ring: Keyring): NotificationChannel | undefined {
  const c = channelSchema.safeParse((settings as { notifications?: unknown } | null)?.notifications);
  return c.success ? { url: open(c.data.webhookUrlEnc, ring) } : undefined;
}

/**
 * The channel for the writer: one that cannot be opened (sealed with a key Kindling no longer holds) is a
 * problem its alerts fail with, each on its own, rather than an error that stops the tenant's whole claim.
 */
export function channelForAlerts(settings: unknown, ring: Keyring): NotificationChannel | { problem: string } | undefined {
  try {
    return channelOf(settings, ring);
  } catch {
    return { problem: 'The alert channel cannot be opened (its URL was sealed with a key Kindling no longer holds). Connect it again on the setup screen, then replay.' };
  }
}

/** The settings with the channel set (sealed) or removed. */
export function withChannel(settings: Record<string, unknown>, url: string | null, ring: Keyring): Record<string, unknown> {
  const { notifications: _old, ...rest } = settings;
  return url ? { ...rest, notifications: { webhookUrlEnc: seal(url, ring) } } : rest;
}

/**
 * Checks an alert URL an admin typed: a URL, HTTPS outside development (it carries lead names), and no
 * credentials in it beyond the path token chat services use.
 */
export function checkChannelUrl(raw: string, allowHttp: boolean): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a URL (it starts with https://)';
  }
  if (u.protocol !== 'https:' && !(allowHttp && u.protocol === 'http:')) return 'must start with https://';
  if (u.username || u.password) return 'must not carry a user name or password';
  return undefined;
}

/** Posts one alert. 2xx: sent; 429, 5xx and network errors: retried; any other answer: refused for good. */
export async function sendNotification(channel: NotificationChannel, payload: NotifyPayload, fetchImpl: typeof fetch = fetch): Promise<ItemResult> {
  try {
    const res = await fetchImpl(channel.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: payload.text }), signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'error' });
    if (res.ok) return { ok: true, detail: { channel: new URL(channel.url).host } };
    const body = (await res.text().catch(() => '')).slice(0, 200);
    return { ok: false, permanent: res.status !== 429 && res.status < 500, error: `alert channel answered ${res.status}${body ? `: ${body}` : ''}` };
  } catch (err) {
    return { ok: false, permanent: false, error: `alert channel unreachable: ${(err as Error).message}` };
  }
}
