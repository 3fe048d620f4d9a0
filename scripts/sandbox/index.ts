import type { Server } from 'node:http';
import express, { type RequestHandler } from 'express';
import { hubspotCrmRoutes } from './hubspot/crm-routes';
import { hubspotError } from './hubspot/errors';
import { hubspotOAuthRoutes } from './hubspot/oauth-routes';
import { hubspotSequenceRoutes } from './hubspot/sequences-routes';
import { hubspotAssociationRoutes } from './hubspot/associations-routes';
import { type Faults, noFaults, RollingWindow } from './limits';
import { Recorder } from './recorder';
import { type HubRecord, newPortal, type Portal, type SandboxApp, type Tokens } from './state';
import { sendHubSpotWebhooks } from './webhook-sender';
import { salesforceRoutes, type SfApp } from './salesforce/routes';
import type { SfOrg } from './salesforce/state';
import { outboundEnvelope, sendOutboundMessage } from './salesforce/outbound';

export interface SandboxOptions {
  port?: number;
  salesforce?: { clientId?: string; clientSecret?: string; orgId?: string; dailyApiLimit?: number; accessTokenTtlSeconds?: number };
  hubspot?: Partial<SandboxApp> & { hubId?: number; accessTokenTtlSeconds?: number; burstPer10s?: number; burstIntervalMs?: number };
  faults?: Partial<Faults>;
  /** Send the propertyChange webhooks a real HubSpot would send for Kindling's own writes (its echo). */
  echoTo?: { targetUrl: string };
}

export interface Sandbox {
  url: string;
  app: SandboxApp;
  salesforce: { app: SfApp; org: SfOrg; revokeAll(): void; expireAccessTokens(): void; sendOutbound(targetUrl: string, notifications: Array<{ id: string; type: string; fields: Record<string, string | number | boolean | null> }>): ReturnType<typeof sendOutboundMessage> };
  hubId: number;
  recorder: Recorder;
  portal(hubId?: number): Portal;
  seedContacts(contacts: Array<{ id: string; properties: Record<string, string> }>, hubId?: number): void;
  setFaults(f: Partial<Faults>): void;
  sendHubSpotWebhooks(targetUrl: string, events: unknown[], opts?: { maxAttempts?: number; retryDelayMs?: number }): ReturnType<typeof sendHubSpotWebhooks>;
  /** Sends the echoes of Kindling's writes collected so far. */
  flushEchoes(): Promise<number>;
  revokeAll(): void;
  /** Every HubSpot access token issued so far expires now (refresh tokens stay valid). */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

export const SANDBOX_DEFAULTS = { clientId: 'kindling-sandbox-client', clientSecret: 'kindling-sandbox-secret', appId: 424242, hubId: 62515, salesforceClientId: 'kindling-sandbox-sf-client', salesforceClientSecret: 'kindling-sandbox-sf-secret', orgId: '00D000000000001EAA' };

/**
 * A local stand-in for HubSpot (OAuth, CRM objects, properties, sequences, rate limits, webhooks), with
 * the vendor's paths, shapes and errors, so Kindling's real SDK calls cross real HTTP in the demo, the
 * end-to-end tests and the benchmarks.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const app: SandboxApp = { clientId: opts.hubspot?.clientId ?? SANDBOX_DEFAULTS.clientId, clientSecret: opts.hubspot?.clientSecret ?? SANDBOX_DEFAULTS.clientSecret, appId: opts.hubspot?.appId ?? SANDBOX_DEFAULTS.appId };
  const hubId = opts.hubspot?.hubId ?? SANDBOX_DEFAULTS.hubId;
  const portals = new Map<number, Portal>();
  const portalFor = (id: number) => {
    let p = portals.get(id);
    if (!p) portals.set(id, (p = newPortal(id)));
    return p;
  };
  portalFor(hubId);
  const tokens: Tokens = { codes: new Map(), access: new Map(), refresh: new Map() };
  const recorder = new Recorder();
  let faults: Faults = { ...noFaults(), ...opts.faults };
  const burst = new RollingWindow(opts.hubspot?.burstPer10s ?? 110, opts.hubspot?.burstIntervalMs ?? 10_000);
  const echoes: unknown[] = [];
  let echoId = 9_000_000;

  const server = express();
  server.disable('x-powered-by');
  server.use((req, res, next) => {
    res.on('finish', () => recorder.add({ at: Date.now(), method: req.method, path: req.originalUrl.split('?')[0]!, query: req.query as Record<string, unknown>, body: req.body, status: res.statusCode, ...(res.locals.portal ? { hubId: (res.locals.portal as Portal).hubId } : {}) }));
    next();
  });
  const sfApp: SfApp = { clientId: opts.salesforce?.clientId ?? SANDBOX_DEFAULTS.salesforceClientId, clientSecret: opts.salesforce?.clientSecret ?? SANDBOX_DEFAULTS.salesforceClientSecret };
  let baseUrl = '';
  const sf = salesforceRoutes({ app: sfApp, orgId: opts.salesforce?.orgId ?? SANDBOX_DEFAULTS.orgId, apiLimit: opts.salesforce?.dailyApiLimit ?? 100_000, accessTokenTtlSeconds: opts.salesforce?.accessTokenTtlSeconds ?? 7200, baseUrl: () => baseUrl });
  // Faults reach Salesforce's REST API too: latency, and 503s Salesforce answers when it is unavailable.
  server.use('/services/data', async (_req, res, next) => {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) return void res.status(503).json([{ errorCode: 'SERVER_UNAVAILABLE', message: 'Salesforce is temporarily unavailable' }]);
    next();
  });
  server.use(sf.router);
  server.use(hubspotOAuthRoutes({ app, tokens, portalFor, defaultHubId: hubId, accessTokenTtlSeconds: opts.hubspot?.accessTokenTtlSeconds ?? 1800 }));
  // Every request received, optionally filtered: ?method=POST&path=/crm/v3/objects&status=429&since=<epoch ms>.
  server.get('/_sandbox/requests', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    res.json(recorder.requests.filter((r) => (!q.method || r.method === q.method.toUpperCase()) && (!q.path || r.path.startsWith(q.path)) && (!q.status || r.status === Number(q.status)) && (!q.since || r.at >= Number(q.since))));
  });
  // What the CRMs hold now, for tests and people: HubSpot portals' contacts, tasks and enrollments; the org's records.
  server.get('/_sandbox/state', (_req, res) => {
    res.json({
      hubspot: [...portals.values()].map((p) => ({ hubId: p.hubId, contacts: [...p.contacts.values()], tasks: [...p.tasks.values()], enrollments: p.enrollments })),
      salesforce: { orgId: sf.org.orgId, apiUsed: sf.org.apiUsed, records: Object.fromEntries([...sf.org.objects].map(([type, m]) => [type, [...m.values()]])) },
    });
  });
  server.post('/_sandbox/faults', express.json(), (req, res) => {
    faults = { ...faults, ...(req.body as Partial<Faults>) };
    res.json(faults);
  });

  const api: RequestHandler = async (req, res, next) => {
    const auth = req.header('authorization') ?? '';
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const t = tokens.access.get(bearer);
    if (!t) return hubspotError(res, 401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication.');
    if (t.expiresAt < Date.now()) return hubspotError(res, 401, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired.');
    res.locals.portal = portalFor(t.hubId);
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const key = String(t.hubId);
    const remaining = faults.force429 > 0 ? -1 : burst.take(key);
    res.set({ 'X-HubSpot-RateLimit-Max': String(burst.max), 'X-HubSpot-RateLimit-Interval-Milliseconds': String(burst.intervalMs), 'X-HubSpot-RateLimit-Remaining': String(Math.max(0, remaining)) });
    if (remaining < 0) {
      if (faults.force429 > 0) faults.force429--;
      res.status(429).json({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: `c-${Date.now()}`, policyName: 'TEN_SECONDLY_ROLLING', groupName: `publicapi:oauth:${app.appId}:${t.hubId}` });
      return;
    }
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) return hubspotError(res, 502, 'BAD_GATEWAY', 'Bad gateway');
    if (faults.dropAfterApply > 0 && req.method === 'POST') {
      faults.dropAfterApply--;
      // Apply the write, then drop the connection before the answer: the caller cannot know it worked.
      const json = res.json.bind(res);
      res.json = ((body: unknown) => {
        void body;
        req.socket.destroy();
        return res;
      }) as typeof res.json;
      void json;
    }
    next();
  };
  server.use(['/crm', '/automation', '/events'], api, express.json({ limit: '5mb' }));
  server.use(
    hubspotCrmRoutes({
      onPropertyChange: opts.echoTo
        ? (portal, objectId, property, value) =>
            echoes.push({ eventId: echoId++, subscriptionId: 1, portalId: portal.hubId, appId: app.appId, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: Number(objectId), propertyName: property, propertyValue: value, changeSource: 'INTEGRATION', sourceId: String(app.appId) })
        : undefined,
    }),
  );
  server.use(hubspotSequenceRoutes());
  server.use(hubspotAssociationRoutes());
  server.use((_req, res) => hubspotError(res, 404, 'OBJECT_NOT_FOUND', 'no such endpoint in the sandbox'));

  const http: Server = await new Promise((resolve) => {
    const s = server.listen(opts.port ?? 0, '127.0.0.1', () => resolve(s));
  });
  const addr = http.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : opts.port}`;
  baseUrl = url;

  return {
    url,
    app,
    salesforce: {
      app: sfApp,
      org: sf.org,
      revokeAll: sf.revokeAll,
      expireAccessTokens: sf.expireAccessTokens,
      sendOutbound: (targetUrl, notifications) => sendOutboundMessage(targetUrl, outboundEnvelope({ orgId: sf.org.orgId, actionId: '04k000000000001AAA', enterpriseUrl: `${url}/services/Soap/c/59.0/${sf.org.orgId}`, notifications })),
    },
    hubId,
    recorder,
    portal: (id = hubId) => portalFor(id),
    seedContacts(contacts, id = hubId) {
      const p = portalFor(id);
      const now = new Date().toISOString();
      for (const c of contacts) p.contacts.set(c.id, { id: c.id, properties: { ...c.properties }, createdAt: now, updatedAt: now } satisfies HubRecord);
    },
    setFaults(f) {
      faults = { ...faults, ...f };
    },
    sendHubSpotWebhooks: (targetUrl, events, o) => sendHubSpotWebhooks({ targetUrl, clientSecret: app.clientSecret, events, ...o }),
    async flushEchoes() {
      if (!opts.echoTo || echoes.length === 0) return 0;
      const batch = echoes.splice(0);
      await sendHubSpotWebhooks({ targetUrl: opts.echoTo.targetUrl, clientSecret: app.clientSecret, events: batch });
      return batch.length;
    },
    revokeAll() {
      for (const r of tokens.refresh.values()) r.revoked = true;
      tokens.access.clear();
    },
    expireAccessTokens() {
      for (const t of tokens.access.values()) t.expiresAt = 0;
    },
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
