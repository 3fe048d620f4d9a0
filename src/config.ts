import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const url = z.url();
const optional = (schema: z.ZodType<string>) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: optional(url),
  REDIS_URL: url.default('redis://127.0.0.1:6379'),
  DATABASE_URL: optional(url),
  KINDLING_DATA_DIR: z.string().min(1).default('./.data'),
  KINDLING_ENCRYPTION_KEY: optional(z.string()),
  /** Earlier keys, `id:base64` separated by commas: still open what they sealed while keys rotate. */
  KINDLING_ENCRYPTION_KEYS_OLD: optional(z.string()),
  HUBSPOT_CLIENT_ID: optional(z.string()),
  HUBSPOT_CLIENT_SECRET: optional(z.string()),
  HUBSPOT_APP_ID: optional(z.string()),
  HUBSPOT_API_BASE: url.default('https://api.hubapi.com'),
  HUBSPOT_APP_BASE: url.default('https://app.hubspot.com'),
  HUBSPOT_ALLOW_LEGACY_SIGNATURES: z.stringbool().default(false),
  SALESFORCE_CLIENT_ID: optional(z.string()),
  SALESFORCE_CLIENT_SECRET: optional(z.string()),
  SALESFORCE_LOGIN_URL: url.default('https://login.salesforce.com'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'KINDLING_ENCRYPTION_KEY' | 'KINDLING_ENCRYPTION_KEYS_OLD' | 'PUBLIC_URL'> {
  PUBLIC_URL: string;
  /** 32-byte AES-256-GCM key and its id; the id lets stored ciphertexts name the key that sealed them. */
  encryptionKey: { id: string; key: Buffer };
  previousEncryptionKeys: Array<{ id: string; key: Buffer }>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at boot; every bad variable is listed in one error. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const encryptionKey = resolveEncryptionKey(e);
  const { KINDLING_ENCRYPTION_KEY: _k, KINDLING_ENCRYPTION_KEYS_OLD: old, ...rest } = e;
  return {
    ...rest,
    previousEncryptionKeys: (old ?? '').split(',').filter(Boolean).map((k) => parseKey(k.trim())),
    PUBLIC_URL: (e.PUBLIC_URL ?? `http://127.0.0.1:${e.PORT}`).replace(/\/$/, ''),
    encryptionKey,
  };
}

function resolveEncryptionKey(e: Env): Config['encryptionKey'] {
  if (e.KINDLING_ENCRYPTION_KEY) return parseKey(e.KINDLING_ENCRYPTION_KEY);
  if (e.NODE_ENV === 'production') {
    throw new ConfigError(['KINDLING_ENCRYPTION_KEY: required in production (32 random bytes, base64)']);
  }
  // Development only: a key generated once and kept beside the embedded database it protects.
  mkdirSync(e.KINDLING_DATA_DIR, { recursive: true });
  const file = join(e.KINDLING_DATA_DIR, 'encryption.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return parseKey(readFileSync(file, 'utf8').trim());
}

/** Accepts `base64` or `keyId:base64` (the id defaults to `k1`). */
function parseKey(value: string): Config['encryptionKey'] {
  const [id, b64] = value.includes(':') ? (value.split(':', 2) as [string, string]) : ['k1', value];
  const key = Buffer.from(b64, 'base64');
  if (key.length !== 32) {
    throw new ConfigError(['KINDLING_ENCRYPTION_KEY: must be 32 bytes, base64-encoded']);
  }
  return { id, key };
}
