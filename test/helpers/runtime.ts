import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { type Role, type Runtime, startRuntime } from '../../src/runtime';
import type { Store } from '../../src/store/db';
import type { Crm } from '../../src/store/tables';
import { APP_ID, CLIENT_SECRET } from './hubspot';

export const PUBLIC_URL = 'https://kindling.test';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    PUBLIC_URL,
    KINDLING_DATA_DIR: mkdtempSync(join(tmpdir(), 'kindling-')),
    KINDLING_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HUBSPOT_CLIENT_ID: 'test-client-id',
    HUBSPOT_CLIENT_SECRET: CLIENT_SECRET,
    HUBSPOT_APP_ID: APP_ID,
    LOG_LEVEL: 'error',
    ...env,
  });
}

/** A runtime on a test store with its own Redis key prefix, so tests never see each other's jobs. */
export async function testRuntime(store: Store, role: Role, opts: Partial<Parameters<typeof startRuntime>[0]> = {}): Promise<Runtime & { prefix: string }> {
  const prefix = `kt-${randomBytes(4).toString('hex')}`;
  const runtime = await startRuntime({ config: testConfig(), role, log: createLogger('error', true), store, queuePrefix: prefix, ...opts });
  return { ...runtime, prefix };
}

export async function seedTenant(store: Store, crm: Crm, accountId: string): Promise<string> {
  const row = await store.db
    .insertInto('tenants')
    .values({ crm, account_id: accountId, status: 'active', name: `${crm} ${accountId}`, status_reason: null, instance_url: null, access_token_enc: null, refresh_token_enc: null, token_expires_at: null, scopes: JSON.stringify([]), signals_secret_enc: null, settings: JSON.stringify({}), installed_by: null, updated_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
