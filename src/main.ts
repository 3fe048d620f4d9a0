import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { type Role, startRuntime } from './runtime';

const ROLES: Role[] = ['web', 'worker', 'all'];

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as Role;
  if (!ROLES.includes(role)) {
    process.stderr.write(`usage: node dist/main.js [${ROLES.join('|')}]\n`);
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  const runtime = await startRuntime({ config, role, log });
  const shutdown = async (signal: string) => {
    log.info('process.stopping', { signal });
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`kindling failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
