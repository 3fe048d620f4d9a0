import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Outbound Messages carry no signature, so each org gets its own endpoint path: an HMAC of its
 * organization id under a key derived from Kindling's encryption key. Unguessable, checkable without a
 * database read, and it must agree with the OrganizationId inside the envelope.
 */
export function outboundPathToken(encryptionKey: Buffer, orgId: string): string {
  const key = Buffer.from(hkdfSync('sha256', encryptionKey, Buffer.alloc(0), 'kindling salesforce outbound', 32));
  return createHmac('sha256', key).update(orgId.slice(0, 15)).digest('base64url').slice(0, 32);
}

export function outboundTokenMatches(encryptionKey: Buffer, orgId: string, token: string): boolean {
  const a = Buffer.from(outboundPathToken(encryptionKey, orgId));
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
