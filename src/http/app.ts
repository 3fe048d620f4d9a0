import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { httpStatusOf, KindlingError, PermanentCrmError, TokenRevoked, TransientCrmError } from '../errors';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { healthRoutes, type HealthDeps } from './health';
import { metricsRoute } from './metrics-route';
import { postHubSpotWebhook } from './post-hubspot-webhook';
import type { HubSpotReceiveDeps } from '../crm/hubspot/receive-webhook';

export interface AppDeps {
  log: Logger;
  metrics: Metrics;
  health: HealthDeps;
  hubspot?: HubSpotReceiveDeps & { publicUrl: string };
  /** Further routers mounted by other modules (OAuth, setup API, CRM cards). */
  routers?: express.Router[];
  /** Shared rate limits for the public routes (webhooks; OAuth, cards and admin). */
  limits?: { webhooks: RequestHandler; interactive: RequestHandler };
}

/** The web process: webhooks in, health and metrics out, and whatever routers the caller mounts. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  app.use(helmet());
  app.use(requestContext(deps));

  app.use(healthRoutes(deps.health));
  if (deps.limits) {
    app.use('/webhooks', deps.limits.webhooks);
    app.use(['/oauth', '/api', '/setup'], deps.limits.interactive);
  }
  app.get('/metrics', metricsRoute(deps.metrics));
  if (deps.hubspot) {
    // HubSpot: at most 100 events per request, each well under 2 KB; 1 MB leaves room and caps abuse.
    app.post('/webhooks/hubspot', express.raw({ type: () => true, limit: '1mb' }), postHubSpotWebhook(deps.hubspot));
  }
  for (const r of deps.routers ?? []) app.use(r);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such route' });
  });
  app.use(errorHandler(deps.log));
  return app;
}

function requestContext(deps: AppDeps): RequestHandler {
  return (req, res, next) => {
    const requestId = (req.header('x-request-id') ?? '').slice(0, 64) || randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      deps.metrics.requestDuration.observe({ route, method: req.method, status: String(res.statusCode) }, seconds);
      deps.log.http('http.request', { requestId, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000), tenantId: res.locals.tenantId });
    });
    next();
  };
}

/** Errors become a status and a reason; never a stack trace to the client. */
function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    // Kindling's errors by their meaning; others (body-parser's 413, a route's own) by the status they carry.
    const own = err instanceof KindlingError;
    const status = !own && typeof err?.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : httpStatusOf(err);
    if (status >= 500) log.error('http.error', { requestId: res.locals.requestId, error: String(err?.message ?? err) });
    // A CRM's own words help the admin (what it refused, that it is down); anything else unexpected stays "internal error".
    const message = status >= 500 && !own ? 'internal error' : crmSentence(err) ?? String(err?.message ?? 'bad request');
    res.status(status).json({ error: err?.code ?? err?.type ?? 'error', message });
  };
}

/** What the admin reads when the CRM, not Kindling, is why a request failed. */
function crmSentence(err: unknown): string | undefined {
  if (err instanceof TokenRevoked) return 'The CRM no longer accepts Kindling\'s grant: install Kindling again from the setup screen\'s sign-in to reconnect.';
  if (err instanceof PermanentCrmError) return `The CRM refused: ${err.message}`;
  if (err instanceof TransientCrmError) return `The CRM did not answer (${err.message}); try again in a minute.`;
  return undefined;
}
