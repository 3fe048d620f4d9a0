import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { Store } from '../../src/store/db';
import { enqueueWrite } from '../../src/writer/write-queue';
import { type Stack, startStack } from '../helpers/e2e';
import { eventually } from '../helpers/eventually';
import { testStore } from '../helpers/store';

const SHOTS = join(__dirname, '../../artifacts/screenshots');
// A real browser on a 2-core machine shared with PostgreSQL and Redis: its first start alone can take seconds.
jest.setTimeout(120_000);

describe('the setup screen in a real browser (Debian Chromium)', () => {
  let store: Store;
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const change = (eventId: number, propertyName: string, propertyValue: string) => ({ eventId, subscriptionId: 1, portalId: 62515, appId: 424242, occurredAt: Date.now() - 60_000 + eventId, subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: 101, propertyName, propertyValue, changeSource: 'ANALYTICS', sourceId: 'x' });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    store = await testStore('pglite');
    stack = await startStack(store);
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
    await page.getByRole('button', { name: 'Save contacts mapping' }).click();
    await page.locator('#map-contact-profile-companySize-error', { hasText: 'holds text values; companySize needs number' }).waitFor();
    await page.getByLabel(/^companySize/).selectOption('numberofemployees');
    await page.getByLabel(/^jobTitle/).selectOption('job_function');
    await page.getByRole('button', { name: 'Save contacts mapping' }).click();
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
    // The connection panel shows the same words as its last error; the row to replay is in the table.
    await page.locator('#dead-letters').getByText('Could not get some CONTACT objects').waitFor();
    stack.sandbox.seedContacts([{ id: '999', properties: { email: 'late@acme.io' } }]);
    await page.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.getByRole('button', { name: 'Replayed' }).waitFor();
    await eventually(() => stack.sandbox.portal().contacts.get('999')!.properties.kindling_score === '50');
    await page.screenshot({ path: join(SHOTS, 'setup-dead-letters.png'), fullPage: true });
  });

  it('maps a track to a sequence, rolls a model back, and shows every change with who made it, every control labelled', async () => {
    await page.reload();
    await page.getByLabel('Re-engage', { exact: true }).selectOption({ label: 'Re-engage' });
    await page.getByRole('button', { name: 'Save tracks' }).click();
    await page.getByText('Tracks saved').waitFor();
    const settings = (await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()).settings;
    expect(settings).toMatchObject({ tracks: { re_engage: { sequenceId: '1003', senderEmail: 'rep@sandbox.example' } } });

    // Unowned contacts in Germany go to the sandbox's rep.
    await page.getByRole('button', { name: 'Add a rule' }).click();
    await page.getByLabel('Rule 1 values (comma-separated)').fill('Germany, Austria');
    await page.getByLabel('Rule 1 owner').selectOption('7001');
    await page.getByRole('button', { name: 'Save routing' }).click();
    await page.getByText('Routing saved').waitFor();
    const routed = (await store.db.selectFrom('tenants').select('settings').executeTakeFirstOrThrow()).settings;
    expect(routed).toMatchObject({ routing: { rules: [{ field: 'country', values: ['Germany', 'Austria'], ownerId: '7001' }] } });

    // Alerts: an address that is not a URL is refused beside the field.
    await page.getByLabel('Incoming webhook URL').fill('hooks.example.com/x');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.locator('#alerts-error', { hasText: 'not a URL' }).waitFor();

    await page.getByLabel('MQL threshold').fill('45');
    await page.getByRole('button', { name: 'Save as a new version' }).click();
    await page.getByText('Saved as version 2').waitFor();
    await page.getByRole('button', { name: 'Roll back to version 1' }).click();
    await page.getByText('Rolled back to version 1').waitFor();
    expect(await page.getByLabel('MQL threshold').inputValue()).toBe('40');
    await page.locator('#audit', { hasText: 'model.rolled_back' }).waitFor();
    expect(await page.locator('#audit').innerText()).toMatch(/mql\.threshold: 40 → 45/);
    expect(await page.locator('#audit').innerText()).toContain('tracks.saved');
    expect(await page.locator('#audit').innerText()).toContain('routing.saved');

    // The connection panel says what is granted and what is owed.
    const facts = await page.locator('#conn-details').innerText();
    expect(facts).toMatch(/Granted scopes[\s\S]*crm\.objects\.contacts\.write/);
    expect(facts).toMatch(/Events received\s*\d+ in the last hour/);
    expect(facts).toMatch(/Token\s*healthy; access token renews before/);
    expect(facts).toMatch(/Work queued\s*\d+ contacts to recompute · \d+ writes to send/);
    expect(facts).toMatch(/Contacts scored\s*[1-9]/);
    // The one dead letter was replayed in the first test: nothing is wrong now.
    expect(facts).toMatch(/Last error\s*none/);

    // "Why did Kindling do that?" for Jane: her reasons, her changes with their cause, what Kindling wrote.
    await page.getByLabel('Email or CRM record id').fill('jane@acme.io');
    await page.getByRole('button', { name: 'Explain', exact: true }).click();
    await page.getByRole('heading', { name: 'What changed, and why' }).waitFor();
    const story = await page.locator('#explain-out').innerText();
    expect(story).toMatch(/Jane Doe \(Acme\)/);
    expect(story).toMatch(/created a task: "Jane Doe \(Acme\)/);
    expect(story).toMatch(/stage lead → mql/);
    await page.locator('section[aria-labelledby="explain-h"]').screenshot({ path: join(SHOTS, 'setup-explain.png') });

    // Keyboard: the first Tab reaches the skip link, which moves focus past the navigation; every
    // control can be reached by Tab, and the focused one is visibly outlined.
    await page.reload();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => location.hash)).toBe('#main');
    const unreachable = await page.evaluate(() => Array.from(document.querySelectorAll('main button, main input, main select, main textarea, main a[href]')).filter((e) => (e as HTMLElement).tabIndex < 0 && !(e as HTMLButtonElement).disabled).map((e) => e.outerHTML.slice(0, 60)));
    expect(unreachable).toEqual([]);
    await page.getByRole('button', { name: 'Preview' }).focus();
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    // Contrast: body text, labels and buttons meet WCAG AA (4.5:1) against what is behind them.
    const worst = await page.evaluate(() => {
      const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const background = (e: Element | null): string => {
        for (let n = e; n; n = n.parentElement) {
          const bg = getComputedStyle(n).backgroundColor;
          if (bg && !/rgba\(0, 0, 0, 0\)|transparent/.test(bg)) return bg;
        }
        return 'rgb(255, 255, 255)';
      };
      const ratios = Array.from(document.querySelectorAll('main p, main label, main button, main td, main th, main h2, main dd, main dt')).filter((e) => (e.textContent ?? '').trim() && (e as HTMLElement).offsetParent !== null).map((e) => {
        const [a, b] = [lum(getComputedStyle(e).color), lum(background(e))];
        return { ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), text: (e.textContent ?? '').trim().slice(0, 40) };
      });
      return ratios.sort((x, y) => x.ratio - y.ratio)[0];
    });
    expect(worst!.ratio).toBeGreaterThanOrEqual(4.5);

    // Every form control has a label a screen reader can announce.
    const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('main input, main select, main textarea')).filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label')).map((e) => e.id));
    expect(unlabelled).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'setup-tracks-audit.png'), fullPage: true });

    // Results: Jane's handoff shows as an MQL this week, charted and tabulated, and as a time to MQL.
    const results = page.locator('#results');
    await results.getByRole('img', { name: /^MQLs per week: 1 MQL in/ }).waitFor();
    await results.getByRole('img', { name: /^Time to MQL: Median/ }).waitFor();
    expect(await results.locator('figure', { has: page.getByRole('heading', { name: 'Time to MQL' }) }).locator('table').innerText()).toMatch(/none/);
    await results.screenshot({ path: join(SHOTS, 'setup-results.png') });
  });

  it('sends an admin without a session to sign in through the CRM', async () => {
    const fresh = await browser.newPage();
    await fresh.goto(`${stack.url}/setup/`);
    expect(fresh.url()).toBe(`${stack.url}/setup/signin`);
    expect(await fresh.getByRole('link', { name: 'HubSpot' }).getAttribute('href')).toBe('/oauth/hubspot/install');
    await fresh.close();
  });

  it('uninstalls from the screen after the admin confirms: the grant revoked, the session over', async () => {
    await page.reload();
    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.accept();
    });
    await page.getByRole('button', { name: 'Uninstall Kindling' }).click();
    await page.waitForURL(`${stack.url}/setup/signin`);
    expect(asked).toMatch(/^Uninstall Kindling\?/);
    expect(await store.db.selectFrom('tenants').select(['status', 'access_token_enc']).executeTakeFirstOrThrow()).toEqual({ status: 'uninstalled', access_token_enc: null });
    expect(stack.sandbox.recorder.find({ method: 'DELETE', path: /^\/oauth\/v1\/refresh-tokens\// })).toHaveLength(1);
  });
});
