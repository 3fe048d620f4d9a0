import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { signalKindSchema } from '../engine/events';
import type { InboundItem } from './inbound';

export const SIGNAL_WINDOW_MS = 5 * 60 * 1000;

/** An outside signal from an enrichment or intent tool, about one CRM contact. */
export const signalSchema = z.object({
  /** The sender's id for this signal: a resend with the same id is recorded once. */
  id: z.string().min(1).max(200),
  contactId: z.string().min(1).max(64),
  objectType: z.enum(['contact', 'lead']).default('contact'),
  kind: signalKindSchema,
  strength: z.number().min(0).max(1).default(1),
  occurredAt: z.coerce.date().optional(),
  detail: z.string().max(500).optional(),
});
/** One signal, or an array of at most 100. */
export function parseSignals(json: unknown) {
  return Array.isArray(json) ? z.array(signalSchema).min(1).max(100).safeParse(json) : signalSchema.transform((s) => [s]).safeParse(json);
}

/** HMAC-SHA256 (base64) of `timestamp + "." + raw body`, keyed with the tenant's signing secret. */
export function signSignal(secret: string, timestamp: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(Buffer.concat([Buffer.from(`${timestamp}.`), rawBody])).digest('base64');
}

export function verifySignal(secret: string, timestamp: string | undefined, signature: string | undefined, rawBody: Buffer, now: number): { ok: true } | { ok: false; reason: string } {
  if (!timestamp || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'missing or malformed X-Kindling-Timestamp (milliseconds)' };
  if (Math.abs(now - Number(timestamp)) > SIGNAL_WINDOW_MS) return { ok: false, reason: 'X-Kindling-Timestamp is outside the 5-minute window' };
  if (!signature) return { ok: false, reason: 'missing X-Kindling-Signature' };
  const a = Buffer.from(signature);
  const b = Buffer.from(signSignal(secret, timestamp, rawBody));
  return a.length === b.length && timingSafeEqual(a, b) ? { ok: true } : { ok: false, reason: 'X-Kindling-Signature does not match' };
}

export function signalItems(accountId: string, signals: z.infer<typeof signalSchema>[], now: Date): InboundItem[] {
  return signals.map((s) => ({
    kind: 'event',
    accountId,
    contact: { objectType: s.objectType, id: s.contactId },
    event: { type: 'signal', occurredAt: s.occurredAt ?? now, source: 'signals', sourceEventId: s.id, attrs: { kind: s.kind, strength: s.strength, ...(s.detail ? { detail: s.detail } : {}) } },
  }));
}
