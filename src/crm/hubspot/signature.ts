import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HubSpot: reject a v3 signature whose timestamp is more than 5 minutes away from now. */
export const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export interface SignedRequest {
  method: string;
  /** The full URI HubSpot called: scheme, host, path and query, as the app's public URL spells it. */
  uri: string;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export interface VerifyOptions {
  clientSecret: string;
  now: number;
  /** v1/v2 signatures carry no timestamp and so can be replayed; refused unless enabled. */
  allowLegacy?: boolean;
}

/**
 * Verifies `X-HubSpot-Signature-v3` over the raw bytes: base64 HMAC-SHA256, keyed with the app's client
 * secret, of method + URI + body + timestamp. Compared in constant time; the injectable clock makes the
 * window testable.
 */
export function verifyHubSpotSignature(req: SignedRequest, opts: VerifyOptions): SignatureCheck {
  const v3 = header(req.headers, 'x-hubspot-signature-v3');
  if (v3) {
    const ts = header(req.headers, 'x-hubspot-request-timestamp');
    if (!ts || !/^\d+$/.test(ts)) return { ok: false, reason: 'missing or malformed X-HubSpot-Request-Timestamp' };
    if (Math.abs(opts.now - Number(ts)) > SIGNATURE_WINDOW_MS) {
      return { ok: false, reason: 'X-HubSpot-Request-Timestamp is outside the 5-minute window' };
    }
    const expected = signV3(opts.clientSecret, req.method, canonicalUri(req.uri), req.rawBody, ts);
    return safeEqual(v3, expected) ? { ok: true } : { ok: false, reason: 'X-HubSpot-Signature-v3 does not match' };
  }
  const legacy = header(req.headers, 'x-hubspot-signature');
  if (!legacy) return { ok: false, reason: 'missing X-HubSpot-Signature-v3' };
  if (!opts.allowLegacy) return { ok: false, reason: 'legacy v1/v2 signatures are not accepted; send X-HubSpot-Signature-v3' };
  const version = header(req.headers, 'x-hubspot-signature-version') ?? 'v1';
  const source =
    version === 'v2'
      ? Buffer.concat([Buffer.from(opts.clientSecret + req.method + req.uri), req.rawBody])
      : Buffer.concat([Buffer.from(opts.clientSecret), req.rawBody]);
  const expected = createHash('sha256').update(source).digest('hex');
  return safeEqual(legacy, expected) ? { ok: true } : { ok: false, reason: 'X-HubSpot-Signature does not match' };
}

export function signV3(secret: string, method: string, uri: string, rawBody: Buffer, timestamp: string): string {
  return createHmac('sha256', secret)
    .update(Buffer.concat([Buffer.from(method + uri), rawBody, Buffer.from(timestamp)]))
    .digest('base64');
}

const DECODED: Record<string, string> = {
  '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$',
  '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';',
};

/** The URI as HubSpot signs it: with these escapes decoded, and only these. */
export function canonicalUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(headers: SignedRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
