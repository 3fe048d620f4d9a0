import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Store } from '../../src/store/db';
import { enqueueWrite } from '../../src/writer/write-queue';
import { type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { testStore } from '../helpers/store';

const SHOTS = join(__dirname, '../../artifacts/screenshots');

describe('the setup screen in a real browser (Debian Chromium)', () => {
  let store: Store;
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const change = (eventId: number, propertyName: string, propertyValue: string) => ({ eventId, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: Date.now() - 60_000 + eventId, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: 101, propertyName, propertyValue, changeSource: 'ANALYTICS', sourceId: 'x' });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    store = await testStore('pglite');
    stack = await startStack(store, { modelCacheMs: 0 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await stack.close();
    await store.close();
  });

  it('signs in through OAuth, previews a draft on a real contact, saves it, sees it score the next event, and replays a dead letter', async () => {
    // The portal has a field of its own for job titles (the property list is read once and cached).
    stack.sandbox.portal().properties.get('contacts')!.set('job_function', { name: 'job_function', label: 'Job function', type: 'string', fieldType: 'text', groupName: 'contactinformation' });
    // Sign in the way an admin does: through the CRM's consent screen (the sandbox approves at once).
    await page.goto(`${stack.url}/oauth/hubspot/install`);
    await page.waitForURL(`${stack.url}/setup/`);
    stack.sandbox.seedContacts([{ id: '101', properties: { email: 'jane@acme.io', firstname: 'Jane', lastname: 'Doe', company: 'Acme', jobtitle: 'VP Sales', job_function: 'VP Sales', numberofemployees: '300', lifecyclestage: 'lead' } }]);
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change(1, 'hs_analytics_last_url', 'https://x.io/pricing')]);
    await eventually(async () => !!(await store.db.selectFrom('contact_state').select('result').where('contact_id', '=', '101').executeTakeFirst())?.result);
    await page.reload();
    await page.getByText('Connected to HubSpot portal 62515').waitFor();

    // An invalid draft is refused by the engine's own schema, the error shown beside its field.
    await page.getByLabel('Engagement half-life (days)').fill('0');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#halfLife-error:not(:empty)').waitFor();
    expect(await page.locator('#halfLife-error').innerText()).toMatch(/>0|too small/i);
    await page.getByLabel('Engagement half-life (days)').fill('30');

    await page.getByLabel('MQL threshold').fill('40');
    await page.getByLabel('Preview a contact (email)').fill('jane@acme.io');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('with the draft (at 40)').waitFor();
    expect(await page.locator('#preview-out').innerText()).toMatch(/Current model[\s\S]*Draft/);
    await page.screenshot({ path: join(SHOTS, 'setup-preview.png'), fullPage: true });

    // Map the job title to the portal's own field: a number field is refused with a reason, a text one saved.
    await page.getByLabel(/^companySize/).selectOption('jobtitle');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.locator('#map-profile-companySize-error', { hasText: 'holds text values; companySize needs number' }).waitFor();
    await page.getByLabel(/^companySize/).selectOption('numberofemployees');
    await page.getByLabel(/^jobTitle/).selectOption('job_function');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('Mapping saved').waitFor();
    await page.screenshot({ path: join(SHOTS, 'setup-mapping.png'), fullPage: true });
    await page.getByLabel('MQL threshold').fill('40');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByText('Saved as version 1').waitFor();
    await stack.sandbox.sendHubSpotWebhooks(`${stack.url}/webhooks/hubspot`, [change(2, 'hs_email_last_click_date', String(Date.now()))]);
    await eventually(() => stack.sandbox.portal().tasks.size === 1);
    const reads = stack.sandbox.recorder.find({ path: '/crm/v3/objects/contacts/batch/read' });
    // The profile was read again through the new mapping.
    expect(reads.some((r) => (r.body as { properties: string[] }).properties.includes('job_function'))).toBe(true);

    // A write the CRM refused shows with its words, and is replayed from the screen once fixed.
    const tenantId = (await store.db.selectFrom('tenants').select('id').executeTakeFirstOrThrow()).id;
    await store.db.insertInto('outbox').values({ tenant_id: tenantId, object_type: 'contact', contact_id: '999', kind: 'set_properties', payload: JSON.stringify({ properties: { score: 50 } }), idempotency_key: 'dl-browser', status: 'pending', last_error: null, result: null, updated_at: new Date() }).execute();
    await enqueueWrite(stack.runtime.writeQueue, tenantId);
    await eventually(async () => (await store.db.selectFrom('dead_letters').selectAll().execute()).length === 1);
    await page.reload();
    await page.getByText('Could not get some CONTACT objects').waitFor();
    stack.sandbox.seedContacts([{ id: '999', properties: { email: 'late@acme.io' } }]);
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByRole('button', { name: 'Replayed' }).waitFor();
    await eventually(() => stack.sandbox.portal().contacts.get('999')!.properties.kindling_score === '50');
    await page.screenshot({ path: join(SHOTS, 'setup-dead-letters.png'), fullPage: true });
  });

  it('sends an admin without a session to sign in through the CRM', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${stack.url}/setup/`);
    expect(fresh.url()).toBe(`${stack.url}/setup/signin`);
    expect(await fresh.getByRole('link', { name: 'HubSpot' }).getAttribute('href')).toBe('/oauth/hubspot/install');
    await fresh.close();
  });
});
