import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface Keyring {
  /** New ciphertexts are sealed with this key. */
  current: { id: string; key: Buffer };
  /** Older keys by id, still able to open what they sealed (key rotation). */
  previous?: Array<{ id: string; key: Buffer }>;
}

/** The keyring the config describes: `KINDLING_ENCRYPTION_KEY` seals, `KINDLING_ENCRYPTION_KEYS_OLD` still open. */
export function keyringOf(config: { encryptionKey: Keyring['current']; previousEncryptionKeys: NonNullable<Keyring['previous']> }): Keyring {
  return { current: config.encryptionKey, previous: config.previousEncryptionKeys };
}

/** AES-256-GCM: `keyId:iv:tag:ciphertext`, base64url parts. The key id lets keys rotate. */
export function seal(plaintext: string, ring: Keyring): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [ring.current.id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join(':');
}

export function open(sealed: string, ring: Keyring): string {
  const [id, iv, tag, data] = sealed.split(':');
  const key = [ring.current, ...(ring.previous ?? [])].find((k) => k.id === id)?.key;
  if (!key || !iv || !tag || data === undefined) throw new Error(`cannot open a secret sealed with unknown key "${id}"`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}

/**
 * A settings-like value with every sealed string (a key ending in `Enc`, such as the alert channel's
 * `webhookUrlEnc`) replaced by `f` of it: how the audit shows them and how key rotation re-seals them.
 */
export function mapSealed(v: unknown, f: (sealed: string) => string, key = ''): unknown {
  if (typeof v === 'string' && key.endsWith('Enc')) return f(v);
  if (Array.isArray(v)) return v.map((x) => mapSealed(x, f));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapSealed(x, f, k)]));
  return v;
}
