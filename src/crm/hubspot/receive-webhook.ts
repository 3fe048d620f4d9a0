import type { ReceiveDeps, ReceiveOutcome } from '../../ingest/receive';
import { recordAndQueue } from '../../ingest/receive';
import { formatZodError } from '../../validation';
import { type HubSpotEventMapping, mapHubSpotEvents } from './map-events';
import { verifyHubSpotSignature, type SignedRequest } from './signature';
import { hubspotWebhookBatchSchema } from './webhook-schema';

export interface HubSpotReceiveDeps extends ReceiveDeps {
  clientSecret: string;
  appId?: string;
  allowLegacySignatures: boolean;
  mapping: HubSpotEventMapping;
  ownPropertyPrefix: string;
  now: () => number;
}

/** Verify the raw bytes, validate, map, record, queue: the whole of `POST /webhooks/hubspot`. */
export async function receiveHubSpotWebhook(deps: HubSpotReceiveDeps, req: SignedRequest): Promise<ReceiveOutcome> {
  const check = verifyHubSpotSignature(req, { clientSecret: deps.clientSecret, now: deps.now(), allowLegacy: deps.allowLegacySignatures });
  if (!check.ok) return { kind: 'signature_invalid', reason: check.reason };

  let json: unknown;
  try {
    json = JSON.parse(req.rawBody.toString('utf8'));
  } catch {
    return { kind: 'malformed', reason: 'body is not valid JSON' };
  }
  const parsed = hubspotWebhookBatchSchema.safeParse(json);
  if (!parsed.success) return { kind: 'malformed', reason: formatZodError(parsed.error) };

  const items = mapHubSpotEvents(parsed.data, {
    mapping: deps.mapping,
    ownPropertyPrefix: deps.ownPropertyPrefix,
    ...(deps.appId ? { appId: deps.appId } : {}),
  });
  return recordAndQueue(deps, 'hubspot', 'hubspot', items);
}
