import type { RequestHandler } from 'express';
import type { Metrics } from '../metrics';

/** Prometheus text exposition of this process's metrics. */
export function metricsRoute(metrics: Metrics): RequestHandler {
  return async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
