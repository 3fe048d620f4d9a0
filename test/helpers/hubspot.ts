import { signV3 } from '../../src/crm/hubspot/signature';

export const CLIENT_SECRET = 'test-client-secret';
export const APP_ID = '424242';

let nextEventId = 1000;

/** A HubSpot webhook event as HubSpot documents it (Webhooks API, legacy contact subscriptions). */
export function hubspotEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: nextEventId++,
    subscriptionId: 11,
    portalId: 62515,
    appId: Number(APP_ID),
    occurredAt: 1763900000000,
    subscriptionType: 'contact.propertyChange',
    attemptNumber: 0,
    objectId: 101,
    propertyName: 'hs_analytics_last_url',
    propertyValue: 'https://example.com/pricing',
    changeSource: 'ANALYTICS',
    sourceId: null,
    ...over,
  };
}

/** Headers for a v3-signed POST of `body` to `uri`. */
export function signedHeaders(uri: string, body: string, opts: { secret?: string; timestamp?: number } = {}): Record<string, string> {
  const ts = String(opts.timestamp ?? Date.now());
  return {
    'content-type': 'application/json',
    'x-hubspot-request-timestamp': ts,
    'x-hubspot-signature-v3': signV3(opts.secret ?? CLIENT_SECRET, 'POST', uri, Buffer.from(body), ts),
    'x-hubspot-signature-version': 'v3',
  };
}
