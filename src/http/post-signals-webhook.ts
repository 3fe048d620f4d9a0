import express, { Router } from 'express';
import { open, type Keyring } from '../crypto';
import { recordAndQueue, type ReceiveDeps } from '../ingest/receive';
import { parseSignals, signalItems, verifySignal } from '../ingest/signals';
import { formatZodError } from '../validation';

/**
 * `POST /webhooks/signals`: outside signals (job change, funding round, hiring surge, intent spike),
 * signed per tenant. The tenant is named by `X-Kindling-Tenant`; its secret verifies the raw bytes.
 */
export function postSignalsWebhook(deps: ReceiveDeps & { keyring: Keyring; now: () => number }): Router {
  const r = Router();
  r.post('/webhooks/signals', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const tenantId = req.header('x-kindling-tenant') ?? '';
    const reject = (status: number, error: string, message: string) => {
      deps.metrics.webhookRequests.inc({ source: 'signals', status: String(status) });
      deps.metrics.webhookEvents.inc({ source: 'signals', outcome: 'rejected' });
      res.status(status).json({ error, message });
    };
    const tenant = /^[0-9a-f-]{36}$/i.test(tenantId)
      ? await deps.db.selectFrom('tenants').select(['id', 'crm', 'account_id', 'status', 'signals_secret_enc']).where('id', '=', tenantId).executeTakeFirst()
      : undefined;
    // Same answer for an unknown tenant and a bad signature: nothing to learn by probing.
    if (!tenant || tenant.status !== 'active' || !tenant.signals_secret_enc) return reject(401, 'signature_invalid', 'unknown tenant or bad signature');
    const check = verifySignal(open(tenant.signals_secret_enc, deps.keyring), req.header('x-kindling-timestamp'), req.header('x-kindling-signature'), rawBody, deps.now());
    if (!check.ok) return reject(401, 'signature_invalid', check.reason);
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return reject(400, 'malformed', 'body is not valid JSON');
    }
    const parsed = parseSignals(json);
    if (!parsed.success) return reject(400, 'malformed', formatZodError(parsed.error));
    const outcome = await recordAndQueue(deps, tenant.crm, 'signals', signalItems(tenant.account_id, parsed.data, new Date(deps.now())));
    switch (outcome.kind) {
      case 'recorded':
        deps.metrics.webhookRequests.inc({ source: 'signals', status: '202' });
        res.status(202).json(outcome.result.counts);
        await outcome.queue();
        return;
      case 'record_failed':
        deps.metrics.webhookRequests.inc({ source: 'signals', status: '503' });
        res.status(503).set('Retry-After', '5').json({ error: outcome.kind, message: outcome.reason });
        return;
      default:
        return reject(400, outcome.kind, outcome.reason);
    }
  });
  return r;
}
