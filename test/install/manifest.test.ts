import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadHubSpotEventMapping } from '../../src/crm/hubspot/map-events';
import { HUBSPOT_SCOPES } from '../../src/crm/hubspot/oauth';

const ROOT = join(__dirname, '../..');
const json = (p: string) => JSON.parse(readFileSync(join(ROOT, p), 'utf8'));

describe('the HubSpot app manifest', () => {
  it('asks for exactly the scopes the code asks for, and the README lists and justifies each', () => {
    const manifest = json('app.json');
    expect([...manifest.auth.requiredScopes].sort()).toEqual([...HUBSPOT_SCOPES].sort());
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### HubSpot scopes'), readme.indexOf('\n## ', readme.indexOf('### HubSpot scopes')));
    const listed = [...section.matchAll(/^\| `([a-z.]+)` \| .+ \|$/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...HUBSPOT_SCOPES].sort());
  });

  it('subscribes to every property the event mapping reads, and to deletions, merges and privacy deletions', () => {
    const subs = json('webhooks/hubspot.json').subscriptions;
    const mapping = loadHubSpotEventMapping();
    const subscribed = subs.legacyCrmObjects.filter((s: { subscriptionType: string }) => s.subscriptionType === 'contact.propertyChange').map((s: { propertyName: string }) => s.propertyName).sort();
    expect(subscribed).toEqual([...Object.keys(mapping.propertyChanges), ...mapping.profileProperties].sort());
    const types = [...subs.legacyCrmObjects, ...subs.hubEvents].map((s: { subscriptionType: string }) => s.subscriptionType);
    expect(types).toEqual(expect.arrayContaining(['contact.creation', 'contact.deletion', 'contact.merge', 'contact.privacyDeletion']));
    expect(json('app.json').webhooks.file).toBe('webhooks/hubspot.json');
  });

  it('declares the CRM card backed by Kindling\'s signed data fetch', () => {
    const card = json('app.json').crmCards[0];
    expect(new URL(card.fetch.targetUrl).pathname).toBe('/api/card/hubspot');
    expect(card.fetch.objectTypes[0].name).toBe('contacts');
  });
});
