import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Destination } from '../db/models';
import { buildWebApp, launchChromium, logIn, shoot } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The web app's editing and bulk work in a real browser (Debian's Chromium via playwright-core)
 * against the real app, Redis and database: groups, rule limits and destinations edited in the
 * admin pages, with the API's refusals shown next to the field they concern.
 */
const RULES_NFO = path.resolve(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo');
let app: TestApp;
let browser: Browser;
let base: string;
let admin: { token: string; user: { id: number } };
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

beforeAll(async () => {
  buildWebApp();
  app = await startTestApp();
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  admin = await app.createUser('admin', 'admin@example.test', []);
  await app.createUser('operator', 'member@example.test', []);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app.context.events.shutdown();
  await app.close();
});

/** The error shown in the labelled field's own box (not a banner elsewhere on the page). */
const errorAt = (page: Page, label: string) => page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-error');

async function adminPage(section: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await logIn(page, base, 'admin@example.test');
  await page.goto(`${base}/manage/${section}`);
  return { context, page };
}

describe('editing in the admin pages', () => {
  it('edits a group: refusals next to their fields, then every default saved and shown', async () => {
    const post = (url: string, body: object) => app.http.post(url).set(as(admin)).send(body);
    const rule = (await app.http.post('/api/rules/import').set(as(admin)).attach('file', RULES_NFO)).body.rule;
    await post('/api/templates', { name: 'Plain', body: '{{title}}\n' });
    await post('/api/destinations', { name: 'Archive', protocol: 'sftp', host: '127.0.0.1', username: 'esp', secret: 'a secret', remotePath: '/in' });
    const group = (await post('/api/groups', { tag: 'EDIT', name: 'To be edited' })).body.group;
    await post('/api/groups', { tag: 'TAKEN', name: 'Already there' });

    const { context, page } = await adminPage('groups');
    await page.getByRole('button', { name: 'Edit EDIT' }).click();
    const form = page.getByRole('form', { name: 'Edit group EDIT' });
    await form.waitFor();
    await expect(page.getByLabel('Tag', { exact: true }).inputValue()).resolves.toBe('EDIT');
    await expect(page.getByLabel('Tag', { exact: true }).evaluate((e) => e === document.activeElement)).resolves.toBe(true);

    // Three bad fields at once: each message at its own field.
    await page.getByLabel('Tag', { exact: true }).fill('E D');
    await page.getByLabel('Volume size (MB)', { exact: true }).fill('ten');
    await page.getByLabel('Confidence threshold', { exact: true }).fill('2');
    await page.getByRole('button', { name: 'Save group' }).click();
    await expect(errorAt(page, 'Tag').textContent()).resolves.toBe('2 to 20 letters or digits (the scene group tag)');
    await expect(errorAt(page, 'Volume size (MB)').textContent()).resolves.toBe('Expected number, received string');
    await expect(errorAt(page, 'Confidence threshold').textContent()).resolves.toBe('Number must be less than or equal to 1');
    await expect(page.getByLabel('Tag', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');
    await shoot(page, 'admin-groups-edit-errors');

    // A tag another group holds: the conflict is shown at the tag too.
    await page.getByLabel('Tag', { exact: true }).fill('TAKEN');
    await page.getByLabel('Volume size (MB)', { exact: true }).fill('10');
    await page.getByLabel('Confidence threshold', { exact: true }).fill('0.5');
    await page.getByRole('button', { name: 'Save group' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.field-error').length === 1);
    await expect(errorAt(page, 'Tag').textContent()).resolves.toBe('The group TAKEN already exists');

    await page.getByLabel('Tag', { exact: true }).fill('EDITED');
    await page.getByLabel('Name', { exact: true }).fill('Edited group');
    await page.getByLabel('Members', { exact: true }).selectOption([{ label: 'admin@example.test' }, { label: 'member@example.test' }]);
    await page.getByLabel('Destinations', { exact: true }).selectOption({ label: 'Archive' });
    await page.getByLabel('Default rule', { exact: true }).selectOption({ label: rule.title });
    await page.getByLabel('NFO template', { exact: true }).selectOption({ label: 'Plain' });
    await page.getByLabel('Tag case', { exact: true }).selectOption('upper');
    await page.getByLabel('Every release waits for approval').check();
    await page.getByRole('button', { name: 'Save group' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await expect(page.locator('.field-error').count()).resolves.toBe(0);
    await page.getByRole('form', { name: 'New group' }).waitFor();

    const row = page.getByRole('row', { name: /EDITED/ });
    await expect(row.textContent()).resolves.toBe(
      ['EDITED', 'Edited group', 'admin@example.test, member@example.test', `rule: ${rule.title}; template: Plain; 10 MB volumes; to Archive`, '. upper eBook', 'every release', 'Edit'].join(''),
    );
    await shoot(page, 'admin-groups-edited');
    // Stored, not only shown: a fresh page reads the same.
    await page.reload();
    await expect(page.getByRole('row', { name: /EDITED/ }).textContent()).resolves.toContain(`rule: ${rule.title}; template: Plain; 10 MB volumes; to Archive`);
    const stored = (await app.http.get(`/api/groups/${group.id}`).set(as(admin))).body.group;
    expect(stored).toMatchObject({ tag: 'EDITED', name: 'Edited group', volumeSizeMb: 10, confidenceThreshold: 0.5, ruleId: rule.id, tagCase: 'upper', approvalRequired: true });
    await context.close();
  }, 120_000);

  it('edits the limits of a rule, showing each refused limit at its field', async () => {
    const { context, page } = await adminPage('rules');
    const title = (await app.http.get('/api/rules').set(as(admin))).body.rules[0].title;
    await page.getByRole('button', { name: `Edit limits of ${title}` }).click();
    await page.getByRole('form', { name: 'Edit limits' }).waitFor();
    await expect(page.getByLabel('Volume sizes (MB)', { exact: true }).inputValue()).resolves.toBe('5, 10, 50, 100, 150, 200, 250');

    await page.getByLabel('NFO width (columns)', { exact: true }).fill('30');
    await page.getByLabel('Volume sizes (MB)', { exact: true }).fill('5, ten');
    for (const format of ['epub', 'pdf', 'mobi', 'azw3', 'prc', 'cbz']) await page.getByLabel(format, { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Save limits' }).click();
    await expect(errorAt(page, 'NFO width (columns)').textContent()).resolves.toBe('Number must be greater than or equal to 40');
    await expect(errorAt(page, 'Volume sizes (MB)').textContent()).resolves.toBe('Expected number, received string');
    await expect(page.getByRole('group', { name: 'Formats' }).locator('.field-error').textContent()).resolves.toBe('Array must contain at least 1 element(s)');
    await expect(errorAt(page, 'DIZ width (columns)').count()).resolves.toBe(0);
    await shoot(page, 'admin-rules-edit-errors');

    await page.getByLabel('NFO width (columns)', { exact: true }).fill('76');
    await page.getByLabel('Volume sizes (MB)', { exact: true }).fill('50, 100');
    await page.getByLabel('epub', { exact: true }).check();
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText('Limits saved.').waitFor();
    await expect(page.getByRole('form', { name: 'Edit limits' }).count()).resolves.toBe(0);
    await expect(page.getByRole('row', { name: title }).textContent()).resolves.toBe(`${title}EBOOK202250, 10076243Edit limits`);
    const stored = (await app.http.get('/api/rules').set(as(admin))).body.rules[0];
    expect(stored.limits).toMatchObject({ nfoWidth: 76, volumeSizesMb: [50, 100], formats: ['epub'], dizWidth: 44 });
    await context.close();
  }, 120_000);

  it('edits a destination: a bad folder and a taken name at their fields, the secret kept', async () => {
    const mirror = (await app.http.post('/api/destinations').set(as(admin)).send({ name: 'Mirror', protocol: 'sftp', host: '127.0.0.1', username: 'esp', secret: 'mirror secret', remotePath: '/in' })).body.destination;
    const sealed = (await Destination.query().findById(mirror.id))!.secretEncrypted;
    const { context, page } = await adminPage('destinations');
    await page.getByRole('button', { name: 'Edit Mirror' }).click();
    await page.getByRole('form', { name: 'Edit destination Mirror' }).waitFor();
    await expect(page.getByLabel('Password', { exact: true }).inputValue()).resolves.toBe('');

    await page.getByLabel('Name', { exact: true }).fill('Archive');
    await page.getByLabel('Remote folder', { exact: true }).fill('incoming');
    await page.getByRole('button', { name: 'Save destination' }).click();
    await expect(errorAt(page, 'Remote folder').textContent()).resolves.toBe('an absolute path such as /incoming');
    await page.getByLabel('Remote folder', { exact: true }).fill('/incoming');
    await page.getByRole('button', { name: 'Save destination' }).click();
    await expect(errorAt(page, 'Name').textContent()).resolves.toBe('A destination named Archive already exists');
    await expect(errorAt(page, 'Remote folder').count()).resolves.toBe(0);
    await shoot(page, 'admin-destinations-edit-errors');

    await page.getByLabel('Name', { exact: true }).fill('Mirror two');
    await page.getByLabel('Port', { exact: true }).fill('2222');
    await page.getByLabel('Enabled (groups send releases here)').uncheck();
    await page.getByRole('button', { name: 'Save destination' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const card = page.locator('.card', { hasText: 'Mirror two' });
    await expect(card.locator('code').textContent()).resolves.toBe('sftp://esp@127.0.0.1:2222/incoming');
    await expect(card.locator('.badge').textContent()).resolves.toBe('disabled');
    // No password typed: the stored one is kept as it was.
    expect((await Destination.query().findById(mirror.id))!.secretEncrypted).toBe(sealed);
    await context.close();
  }, 120_000);
});

declare const document: { activeElement: unknown; querySelectorAll(selector: string): ArrayLike<unknown> };
