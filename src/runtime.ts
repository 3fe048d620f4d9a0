import type { Server } from 'node:http';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from './config';
import { loadHubSpotEventMapping } from './crm/hubspot/map-events';
import { createApp } from './http/app';
import type { Logger } from './log';
import { createMetrics, type Metrics } from './metrics';
import { createRedis } from './queue/connection';
import { createModelStore } from './models/model-store';
import { batchProfileReads } from './recompute/batched-profiles';
import { createRecompute } from './recompute/recompute-contact';
import type { ReadProfiles } from './recompute/profiles';
import { createRecomputeQueue, type RecomputeQueue, scheduleWake } from './queue/recompute-queue';
import { type RecomputeFn, startRecomputeWorker } from './queue/recompute-worker';
import { startSweeper } from './queue/sweeper';
import { redisClaim, startTaskCompletionPoller } from './writer/task-completion';
import { migrate, openStore, type Store } from './store/db';
import { cookieSecrets, createSessions } from './auth/session';
import { createTokenProvider, type TokenProvider } from './auth/token-provider';
import type { CrmConnector } from './crm/connector';
import { createHubSpotConnector } from './crm/hubspot/connector';
import type { Enricher } from './crm/enricher';
import { createHubSpotEventsEnricher } from './crm/hubspot/events-enricher';
import { hubspotRevoker } from './crm/hubspot/oauth';
import { createSalesforceConnector } from './crm/salesforce/connector';
import { salesforceRevoker } from './crm/salesforce/oauth';
import { salesforceOAuthRoutes } from './http/salesforce-oauth-routes';
import { postSalesforceWebhook } from './http/post-salesforce-webhook';
import { keyringOf } from './crypto';
import { hubspotOAuthRoutes } from './http/hubspot-oauth-routes';
import { setupLandingRoutes } from './http/setup-landing';
import { setupStaticRoutes } from './http/setup-static';
import { publicRateLimits } from './http/public-rate-limit';
import { uninstallRoutes } from './http/post-uninstall';
import { adminModelRoutes } from './http/admin-model-routes';
import { adminDeadLetterRoutes } from './http/admin-dead-letter-routes';
import { adminResultsRoutes } from './http/admin-results-routes';
import { adminRoutingRoutes } from './http/admin-routing-routes';
import { adminExplainRoutes } from './http/admin-explain-routes';
import { adminNotificationRoutes } from './http/admin-notification-routes';
import { adminMappingRoutes } from './http/admin-mapping-routes';
import { postSignalsWebhook } from './http/post-signals-webhook';
import { hubspotCardRoutes } from './http/get-hubspot-card';
import { createAccountLimiter } from './queue/rate-limiter';
import { createWriteQueue, enqueueWrite, type WriteQueue } from './writer/write-queue';
import { startWriteWorker } from './writer/write-worker';
import type { Crm } from './store/tables';
import { resealTenantSecrets } from './store/tenants';

export type Role = 'web' | 'worker' | 'all';

/** Kindling's own contact properties all start with this; a change to one is an echo, never a signal. */
export const OWN_PROPERTY_PREFIX = 'kindling_';

export interface RuntimeOptions {
  config: Config;
  role: Role;
  log: Logger;
  /** Tests and benchmarks isolate Redis keys and PostgreSQL schemas. */
  queuePrefix?: string;
  store?: Store;
  recompute?: RecomputeFn;
  readProfiles?: ReadProfiles;
  /** Queues the tenant's writer once outbox rows are committed. */
  afterOutbox?: (tenantId: string) => Promise<void>;
  now?: () => number;
  /** How often each tenant's open tasks are read back from the CRM (default 15 minutes). */
  taskPollMs?: number;
}

export interface Runtime {
  store: Store;
  tokens: TokenProvider;
  connectors: Partial<Record<Crm, CrmConnector>>;
  writeQueue: WriteQueue;
  redis: Redis;
  metrics: Metrics;
  recomputeQueue: RecomputeQueue;
  server?: Server;
  url?: string;
  workers: Worker[];
  close(): Promise<void>;
}

/** Wires one process: the web role serves HTTP, the worker role runs the queues; `all` does both. */
export async function startRuntime(opts: RuntimeOptions): Promise<Runtime> {
  const { config, log } = opts;
  const store = opts.store ?? (await openStore({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : { dataDir: `${config.KINDLING_DATA_DIR}/pglite` }) }));
  await migrate(store);
  const redis = createRedis(config.REDIS_URL);
  const metrics = createMetrics({ defaults: !opts.store });
  const recomputeQueue = createRecomputeQueue(redis, opts.queuePrefix);
  const writeQueue = createWriteQueue(redis, opts.queuePrefix);
  const keyring = keyringOf(config);
  if (keyring.previous?.length) {
    // A key rotation is under way: move what older keys sealed to the current key, so they can be retired.
    log.info('keys.resealed', { tenants: await resealTenantSecrets(store.db, keyring), keyId: keyring.current.id });
  }
  const tokens = createTokenProvider({ db: store.db, redis, config, log, ...(opts.queuePrefix ? { lockPrefix: `${opts.queuePrefix}:refresh:` } : {}) });
  const limiter = createAccountLimiter(redis, opts.queuePrefix ? { prefix: `${opts.queuePrefix}:rl` } : {});
  const connectors: Partial<Record<Crm, CrmConnector>> = {
    ...(config.HUBSPOT_CLIENT_ID ? { hubspot: createHubSpotConnector({ apiBase: config.HUBSPOT_API_BASE, tokens, limiter, metrics }) } : {}),
    ...(config.SALESFORCE_CLIENT_ID ? { salesforce: createSalesforceConnector({ tokens, metrics }) } : {}),
  };
  // One per CRM that has one, shared by the worker (fetching) and the model preview (reading as it does).
  const enrichers: Partial<Record<Crm, Enricher>> = config.HUBSPOT_CLIENT_ID ? { hubspot: createHubSpotEventsEnricher({ apiBase: config.HUBSPOT_API_BASE, tokens, limiter, metrics }) } : {};
  const readProfiles: ReadProfiles = opts.readProfiles ?? batchProfileReads(async (tenant, objectType, ids) => (connectors[tenant.crm] ? connectors[tenant.crm]!.readProfiles(tenant, objectType, ids) : new Map()));
  const afterOutbox = opts.afterOutbox ?? ((tenantId: string) => enqueueWrite(writeQueue, tenantId));
  const workers: Worker[] = [];
  const stops: Array<() => void> = [];

  let server: Server | undefined;
  let url: string | undefined;
  if (opts.role !== 'worker') {
    // Mounted in order: cookies and the admin session first, then install, ingress and admin routes.
    const sessions = createSessions({ db: store.db, secrets: cookieSecrets([config.encryptionKey, ...config.previousEncryptionKeys]), secure: config.PUBLIC_URL.startsWith('https://') });
    const webRouters = () => [
      sessions.middleware,
      hubspotOAuthRoutes({ config, db: store.db, keyring, log, sessions }),
      salesforceOAuthRoutes({ config, db: store.db, keyring, log, sessions }),
      postSalesforceWebhook({ db: store.db, recomputeQueue, metrics, log, encryptionKey: config.encryptionKey.key }),
      setupLandingRoutes(store.db, keyring, config.PUBLIC_URL),
      setupStaticRoutes(),
      uninstallRoutes({ db: store.db, keyring, log, revokers: { hubspot: hubspotRevoker(config), salesforce: salesforceRevoker(config) } }),
      adminModelRoutes({ db: store.db, models: createModelStore(store.db), now: opts.now ?? Date.now, enrichers }),
      adminDeadLetterRoutes({ db: store.db, afterReplay: (t) => enqueueWrite(writeQueue, t) }),
      adminResultsRoutes({ db: store.db, now: opts.now ?? Date.now }),
      adminMappingRoutes({ db: store.db, connectors }),
      adminRoutingRoutes({ db: store.db, connectors }),
      adminExplainRoutes({ db: store.db }),
      adminNotificationRoutes({ db: store.db, keyring, allowHttp: config.NODE_ENV !== 'production' }),
      postSignalsWebhook({ db: store.db, recomputeQueue, metrics, log, keyring, now: opts.now ?? Date.now }),
      ...(config.HUBSPOT_CLIENT_SECRET ? [hubspotCardRoutes({ db: store.db, clientSecret: config.HUBSPOT_CLIENT_SECRET, publicUrl: config.PUBLIC_URL, now: opts.now ?? Date.now })] : []),
    ];
    const app = createApp({
      log,
      metrics,
      health: { db: store.db, redis },
      limits: publicRateLimits(redis, opts.queuePrefix ? `${opts.queuePrefix}:prl:` : undefined),
      routers: webRouters(),
      ...(config.HUBSPOT_CLIENT_SECRET
        ? {
            hubspot: {
              db: store.db,
              recomputeQueue,
              metrics,
              log,
              clientSecret: config.HUBSPOT_CLIENT_SECRET,
              ...(config.HUBSPOT_APP_ID ? { appId: config.HUBSPOT_APP_ID } : {}),
              allowLegacySignatures: config.HUBSPOT_ALLOW_LEGACY_SIGNATURES,
              mapping: loadHubSpotEventMapping(),
              ownPropertyPrefix: OWN_PROPERTY_PREFIX,
              now: opts.now ?? Date.now,
              publicUrl: config.PUBLIC_URL,
            },
          }
        : {}),
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(config.PORT, '0.0.0.0', () => resolve(s));
    });
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : config.PORT}`;
    log.info('web.listening', { url });
  }

  if (opts.role !== 'web') {
    const clock = opts.now ?? Date.now;
    const recompute =
      opts.recompute ??
      createRecompute({
        db: store.db,
        models: createModelStore(store.db),
        readProfiles,
        afterOutbox,
        enrichers,
        scheduleWake: (job, at, previous) => scheduleWake(recomputeQueue, job, at, previous, clock()),
        now: () => new Date(clock()),
      });
    workers.push(startRecomputeWorker({ connection: redis, db: store.db, recompute, log, metrics, concurrency: 64, ...(opts.queuePrefix ? { prefix: opts.queuePrefix } : {}) }));
    workers.push(startWriteWorker({ db: store.db, connectors, keyring, log, metrics, connection: redis, ...(opts.queuePrefix ? { prefix: opts.queuePrefix } : {}) }));
    stops.push(startSweeper(store.db, recomputeQueue, log, 15_000, (t) => enqueueWrite(writeQueue, t)));
    // Each tenant's open tasks are read back at most every 15 minutes: 1 call per 100 (HubSpot) or 200 (Salesforce).
    stops.push(startTaskCompletionPoller({ db: store.db, connectors, log, claim: redisClaim(redis, opts.taskPollMs ?? 15 * 60_000, `${opts.queuePrefix ?? 'kindling'}:task-poll:`) }, Math.min(60_000, opts.taskPollMs ?? 60_000)));
    log.info('worker.started', { queues: ['recompute', 'write'] });
  }

  return {
    store,
    tokens,
    connectors,
    writeQueue,
    redis,
    metrics,
    recomputeQueue,
    workers,
    ...(server ? { server } : {}),
    ...(url ? { url } : {}),
    async close() {
      stops.forEach((s) => s());
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await Promise.all(workers.map((w) => w.close()));
      await recomputeQueue.close();
      await writeQueue.close();
      redis.disconnect();
      if (!opts.store) await store.close();
    },
  };
}
