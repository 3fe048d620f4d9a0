import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../scripts/sandbox';
import { loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/log';
import { type Runtime, startRuntime } from '../../src/runtime';
import type { Store } from '../../src/store/db';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Stack {
  sandbox: Sandbox;
  runtime: Runtime;
  encryptionKey: Buffer;
  /** Stops Kindling's process (web and worker) and starts a new one on the same store and Redis. */
  restart(): Promise<void>;
  url: string;
  prefix: string;
  close(): Promise<void>;
}

/** Kindling (web + worker) against the CRM sandbox over real HTTP, on a test store and Redis prefix. */
export async function startStack(store: Store, opts: { sandbox?: SandboxOptions; env?: Record<string, string>; role?: 'all' | 'web'; log?: Logger} = {}): Promise<Stack> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sandbox = await startSandbox({ ...opts.sandbox, echoTo: { targetUrl: `${url}/webhooks/hubspot` } });
  const prefix = `ke-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test', PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'error', KINDLING_DATA_DIR: mkdtempSync(join(tmpdir(), 'kindling-e2e-')),
    KINDLING_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    HUBSPOT_CLIENT_ID: sandbox.app.clientId, HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret, HUBSPOT_APP_ID: String(sandbox.app.appId),
    HUBSPOT_API_BASE: sandbox.url, HUBSPOT_APP_BASE: sandbox.url,
    SALESFORCE_CLIENT_ID: sandbox.salesforce.app.clientId, SALESFORCE_CLIENT_SECRET: sandbox.salesforce.app.clientSecret, SALESFORCE_LOGIN_URL: sandbox.url,
    ...opts.env,
  });
  const start = () => startRuntime({ config, role: opts.role ?? 'all', log: opts.log ?? createLogger('error', true), store, queuePrefix: prefix });
  const stack: Stack = {
    sandbox, runtime: await start(), url, prefix, encryptionKey: config.encryptionKey.key,
    async restart() {
      await stack.runtime.close();
      stack.runtime = await start();
    },
    async close() {
      await stack.runtime.recomputeQueue.obliterate({ force: true });
      await stack.runtime.writeQueue.obliterate({ force: true });
      await stack.runtime.close();
      await sandbox.close();
    },
  };
  return stack;
}

export { installHubSpot } from '../../scripts/demo/install-hubspot';
