/**
 * `npm start`: web + worker in one process on embedded PGlite and local Redis. Without HubSpot
 * credentials it starts the built-in CRM sandbox and points Kindling at it, so the connector runs as it
 * would against HubSpot; install it by opening /oauth/hubspot/install.
 */
import { loadConfig } from '../src/config';
import { createLogger } from '../src/log';
import { startRuntime } from '../src/runtime';
import { startSandbox } from './sandbox';

async function main() {
  const env = { ...process.env };
  let sandboxUrl: string | undefined;
  if (!env.HUBSPOT_CLIENT_ID && env.NODE_ENV !== 'production') {
    const sandbox = await startSandbox({ port: Number(env.SANDBOX_PORT ?? 4010) });
    sandboxUrl = sandbox.url;
    Object.assign(env, { HUBSPOT_CLIENT_ID: sandbox.app.clientId, HUBSPOT_CLIENT_SECRET: sandbox.app.clientSecret, HUBSPOT_APP_ID: String(sandbox.app.appId), HUBSPOT_API_BASE: sandbox.url, HUBSPOT_APP_BASE: sandbox.url });
  }
  const config = loadConfig(env);
  const log = createLogger(config.LOG_LEVEL);
  const runtime = await startRuntime({ config, role: 'all', log });
  log.info('start.ready', { url: config.PUBLIC_URL, install: `${config.PUBLIC_URL}/oauth/hubspot/install`, ...(sandboxUrl ? { crmSandbox: sandboxUrl } : {}) });
  const stop = async () => {
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`kindling failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
