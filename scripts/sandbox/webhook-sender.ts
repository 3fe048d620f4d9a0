import { canonicalUri, signV3 } from '../../src/crm/hubspot/signature';

export interface SendResult {
  batches: number;
  attempts: number;
  statuses: number[];
  failed: number;
}

/**
 * Delivers HubSpot webhook events as HubSpot does: JSON arrays of at most 100 events, signed with
 * `X-HubSpot-Signature-v3`, retried on a non-2xx answer or a connection failure (HubSpot retries up to
 * 10 times over 24 hours; the sandbox uses a short schedule).
 */
export async function sendHubSpotWebhooks(opts: { targetUrl: string; clientSecret: string; events: unknown[]; maxAttempts?: number; retryDelayMs?: number; concurrency?: number }): Promise<SendResult> {
  const batches: unknown[][] = [];
  for (let i = 0; i < opts.events.length; i += 100) batches.push(opts.events.slice(i, i + 100));
  const result: SendResult = { batches: batches.length, attempts: 0, statuses: [], failed: 0 };
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const body = JSON.stringify(batch);
      let ok = false;
      for (let attempt = 1; attempt <= (opts.maxAttempts ?? 5) && !ok; attempt++) {
        result.attempts++;
        const ts = String(Date.now());
        try {
          const res = await fetch(opts.targetUrl, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hubspot-request-timestamp': ts, 'x-hubspot-signature-v3': signV3(opts.clientSecret, 'POST', canonicalUri(opts.targetUrl), Buffer.from(body), ts), 'x-hubspot-signature-version': 'v3' } });
          await res.arrayBuffer();
          result.statuses.push(res.status);
          ok = res.status >= 200 && res.status < 300;
        } catch {
          result.statuses.push(0);
        }
        if (!ok) await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 200) * attempt));
      }
      if (!ok) result.failed++;
    }
  };
  // HubSpot keeps at most 10 requests in flight per installed account.
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 10, batches.length) }, worker));
  return result;
}
