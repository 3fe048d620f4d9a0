import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** One registry per app instance, so tests can run several apps in one process. */
export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'kindling_' });
  return {
    registry,
    webhookEvents: new Counter({
      name: 'kindling_webhook_events_total',
      help: 'Webhook events by source and outcome (accepted, duplicate, ignored, rejected).',
      labelNames: ['source', 'outcome'] as const,
      registers: [registry],
    }),
    webhookRequests: new Counter({
      name: 'kindling_webhook_requests_total',
      help: 'Webhook requests by source and HTTP status answered.',
      labelNames: ['source', 'status'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'kindling_http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'kindling_jobs_total',
      help: 'Worker jobs by queue and outcome.',
      labelNames: ['queue', 'outcome'] as const,
      registers: [registry],
    }),
    crmCalls: new Counter({
      name: 'kindling_crm_calls_total',
      help: 'Calls to a CRM API by crm, operation and outcome.',
      labelNames: ['crm', 'operation', 'outcome'] as const,
      registers: [registry],
    }),
    crmApiUsage: new Gauge({
      name: 'kindling_crm_api_usage_ratio',
      help: 'Share of the CRM account\'s daily API allocation used, as the CRM last reported it (Salesforce Sforce-Limit-Info).',
      labelNames: ['crm', 'tenant'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'kindling_queue_depth',
      help: 'Jobs waiting or delayed per queue, sampled at scrape time.',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
  };
}
