import { createHash } from 'node:crypto';
import { SIGNATURE_WINDOW_MS, signV3, verifyHubSpotSignature } from '../../src/crm/hubspot/signature';

const secret = 'shhh';
const uri = 'https://kindling.example.com/webhooks/hubspot';
const now = 1763900000000;
const body = Buffer.from('[{"eventId":1,"portalId":62515}]');

function signed(opts: { uri?: string; body?: Buffer; ts?: number; secret?: string } = {}) {
  const ts = String(opts.ts ?? now);
  return {
    method: 'POST',
    uri: opts.uri ?? uri,
    rawBody: opts.body ?? body,
    headers: { 'x-hubspot-signature-v3': signV3(opts.secret ?? secret, 'POST', opts.uri ?? uri, opts.body ?? body, ts), 'x-hubspot-request-timestamp': ts },
  };
}

describe('HubSpot v3 signature', () => {
  it('accepts a request signed with the client secret', () => {
    expect(verifyHubSpotSignature(signed(), { clientSecret: secret, now })).toEqual({ ok: true });
  });

  it('rejects a tampered body', () => {
    const req = { ...signed(), rawBody: Buffer.from('[{"eventId":2,"portalId":62515}]') };
    expect(verifyHubSpotSignature(req, { clientSecret: secret, now })).toEqual({ ok: false, reason: 'X-HubSpot-Signature-v3 does not match' });
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyHubSpotSignature(signed({ secret: 'other' }), { clientSecret: secret, now }).ok).toBe(false);
  });

  it('rejects a stale timestamp and a future one, and accepts the edge of the window', () => {
    const stale = signed({ ts: now - SIGNATURE_WINDOW_MS - 1 });
    const future = signed({ ts: now + SIGNATURE_WINDOW_MS + 1 });
    const edge = signed({ ts: now - SIGNATURE_WINDOW_MS });
    expect(verifyHubSpotSignature(stale, { clientSecret: secret, now })).toEqual({ ok: false, reason: 'X-HubSpot-Request-Timestamp is outside the 5-minute window' });
    expect(verifyHubSpotSignature(future, { clientSecret: secret, now }).ok).toBe(false);
    expect(verifyHubSpotSignature(edge, { clientSecret: secret, now }).ok).toBe(true);
  });

  it('signs the URI with its query string, and with HubSpot decoding only its listed escapes', () => {
    const withQuery = 'https://kindling.example.com/webhooks/hubspot?env=prod&x=a:b';
    const req = signed({ uri: withQuery });
    expect(verifyHubSpotSignature(req, { clientSecret: secret, now }).ok).toBe(true);
    // The app sees %3A where HubSpot signed ':'.
    const seenByApp = { ...req, uri: 'https://kindling.example.com/webhooks/hubspot?env=prod&x=a%3Ab' };
    expect(verifyHubSpotSignature(seenByApp, { clientSecret: secret, now }).ok).toBe(true);
    const withoutQuery = { ...req, uri };
    expect(verifyHubSpotSignature(withoutQuery, { clientSecret: secret, now }).ok).toBe(false);
  });

  it('refuses legacy signatures unless enabled, then checks them', () => {
    const v1 = createHash('sha256').update(Buffer.concat([Buffer.from(secret), body])).digest('hex');
    const req = { method: 'POST', uri, rawBody: body, headers: { 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v1' } };
    expect(verifyHubSpotSignature(req, { clientSecret: secret, now })).toEqual({ ok: false, reason: 'legacy v1/v2 signatures are not accepted; send X-HubSpot-Signature-v3' });
    expect(verifyHubSpotSignature(req, { clientSecret: secret, now, allowLegacy: true }).ok).toBe(true);
    expect(verifyHubSpotSignature({ ...req, rawBody: Buffer.from('[]') }, { clientSecret: secret, now, allowLegacy: true }).ok).toBe(false);
  });

  it('rejects a request with no signature or a malformed timestamp', () => {
    expect(verifyHubSpotSignature({ method: 'POST', uri, rawBody: body, headers: {} }, { clientSecret: secret, now })).toEqual({ ok: false, reason: 'missing X-HubSpot-Signature-v3' });
    const req = signed();
    req.headers['x-hubspot-request-timestamp'] = 'yesterday';
    expect(verifyHubSpotSignature(req, { clientSecret: secret, now })).toEqual({ ok: false, reason: 'missing or malformed X-HubSpot-Request-Timestamp' });
  });
});
