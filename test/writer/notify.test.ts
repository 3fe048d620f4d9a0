import { randomBytes } from 'node:crypto';
import type { Keyring } from '../../src/crypto';
import { channelOf, checkChannelUrl, sendNotification, withChannel } from '../../src/writer/notify';
import { pinServer } from '../helpers/pin-server';

const ring: Keyring = { current: { id: 'k1', key: randomBytes(32) } };
const alert = { text: 'Hot lead: Jane Doe (Acme) — requested a demo, score 82', priority: 'HIGH' as const };

describe('the alert channel', () => {
  let pin: Awaited<ReturnType<typeof pinServer>>;
  beforeEach(async () => {
    pin = await pinServer();
  });
  afterEach(async () => {
    await pin.close();
  });

  it('posts the alert as {"text": …}, the shape Slack and Teams incoming webhooks take', async () => {
    pin.reply(200, 'ok');
    expect(await sendNotification({ url: `${pin.url}/services/T0/B0/xyz` }, alert)).toEqual({ ok: true, detail: { channel: new URL(pin.url).host } });
    expect(pin.requests).toEqual([expect.objectContaining({ method: 'POST', path: '/services/T0/B0/xyz', body: JSON.stringify({ text: alert.text }) })]);
    expect(pin.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('retries what may pass (429, 5xx, unreachable) and gives up on a refusal (a revoked webhook answers 404)', async () => {
    pin.reply(404, 'no_service');
    pin.reply(429, 'slow down');
    pin.reply(503, 'down');
    const send = () => sendNotification({ url: pin.url }, alert);
    expect(await send()).toEqual({ ok: false, permanent: true, error: 'alert channel answered 404: "no_service"' });
    expect(await send()).toMatchObject({ ok: false, permanent: false });
    expect(await send()).toMatchObject({ ok: false, permanent: false });
    await pin.close();
    expect(await send()).toMatchObject({ ok: false, permanent: false, error: expect.stringContaining('unreachable') });
    pin = await pinServer();
  });

  it('keeps the URL sealed in the settings and opens it with the keyring', () => {
    const settings = withChannel({ tracks: {} }, 'https://hooks.slack.com/services/T0/B0/secret', ring);
    expect(JSON.stringify(settings)).not.toContain('secret');
    expect(settings.tracks).toEqual({});
    expect(channelOf(settings, ring)).toEqual({ url: 'https://hooks.slack.com/services/T0/B0/secret' });
    expect(channelOf(withChannel(settings, null, ring), ring)).toBeUndefined();
  });

  it('takes only HTTPS URLs without credentials (plain HTTP in development only)', () => {
    expect(checkChannelUrl('https://hooks.slack.com/services/T0/B0/x', false)).toBeUndefined();
    expect(checkChannelUrl('http://hooks.slack.com/services/x', false)).toBe('must start with https://');
    expect(checkChannelUrl('http://127.0.0.1:9999/hook', true)).toBeUndefined();
    expect(checkChannelUrl('https://user:pw@example.com/hook', false)).toBe('must not carry a user name or password');
    expect(checkChannelUrl('hooks.slack.com', false)).toBe('is not a URL (it starts with https://)');
  });
});
