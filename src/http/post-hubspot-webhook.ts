import type { RequestHandler } from 'express';
import { type HubSpotReceiveDeps, receiveHubSpotWebhook } from '../crm/hubspot/receive-webhook';

/**
 * `POST /webhooks/hubspot`. Express has already refused an oversized body (413) before this runs; the
 * signature is checked over the raw bytes before anything is parsed or stored.
 */
export function postHubSpotWebhook(deps: HubSpotReceiveDeps & { publicUrl: string }): RequestHandler {
  return async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const outcome = await receiveHubSpotWebhook(deps, {
      method: req.method,
      // Behind a proxy the app cannot see the URL HubSpot signed; PUBLIC_URL says what it was.
      uri: deps.publicUrl + req.originalUrl,
      rawBody,
      headers: req.headers,
    });
    const status = statusOf(outcome.kind);
    deps.metrics.webhookRequests.inc({ source: 'hubspot', status: String(status) });
    switch (outcome.kind) {
      case 'signature_invalid': // 401: not from HubSpot, or tampered; nothing recorded.
      case 'malformed': // 400: HubSpot's retry will not fix it; the reason names the field.
        deps.metrics.webhookEvents.inc({ source: 'hubspot', outcome: 'rejected' });
        res.status(status).json({ error: outcome.kind, message: outcome.reason });
        return;
      case 'record_failed': // 503: HubSpot retries for up to a day, so nothing is lost.
        res.status(status).set('Retry-After', '5').json({ error: outcome.kind, message: outcome.reason });
        return;
      case 'recorded': // 200 only after the commit: acknowledging earlier could lose the batch.
        res.status(status).json(outcome.result.counts);
        await outcome.queue();
        return;
    }
  };
}

function statusOf(kind: 'signature_invalid' | 'malformed' | 'record_failed' | 'recorded'): number {
  return { signature_invalid: 401, malformed: 400, record_failed: 503, recorded: 200 }[kind];
}
