/**
 * The app under load for bench:ingest, in its own process so the load generator does not share its
 * event loop. Starts the web role on the given store, seeds one installed portal, prints its URL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { startRuntime } from '../../src/runtime';
import { migrate, openStore } from '../../src/store/db';

async function main() {
  const [driver, portal, secret] = process.argv.slice(2) as [string, string, string];
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const store = driver === 'postgres'
    ? await openStore({ databaseUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', schema, poolSize: 20 })
    // PGlite on disk, as `npm start` runs it, not in memory.
    : await openStore({ dataDir: mkdtempSync(join(tmpdir(), 'kindling-bench-pglite-')) });
  await migrate(store);
  await store.db.insertInto('tenants').values({ crm: 'hubspot', account_id: portal, status: 'active', name: 'bench', status_reason: null, instance_url: null, access_token_enc: null, refresh_token_enc: null, token_expires_at: null, scopes: '[]', signals_secret_enc: null, settings: '{}', installed_by: null, updated_at: new Date() }).execute();
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', PUBLIC_URL: 'http://bench.local', HUBSPOT_CLIENT_SECRET: secret, HUBSPOT_APP_ID: '1', KINDLING_ENCRYPTION_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'error', KINDLING_DATA_DIR: '/tmp/kindling-bench' });
  const runtime = await startRuntime({ config, role: 'web', log: createLogger('error', true), store, queuePrefix: `bench-${schema}` });
  process.send?.({ url: runtime.url });
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await runtime.recomputeQueue.obliterate({ force: true });
    await runtime.close();
    if (store.driver === 'postgres') await store.db.schema.dropSchema(schema).cascade().execute();
    await store.close();
    process.exit(0);
  });
}

void main();
