import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Destination } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { buildWebApp, launchChromium, logIn, shoot } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * The web app's editing and bulk work in a real browser (Debian's Chromium via playwright-core)
 * against the real app, Redis, database and a worker process: groups, rule limits and
 * destinations edited in the admin pages, with the API's refusals shown next to the field they
 * concern; releases approved, retried and deleted several at once, each with its own outcome.
 */
const RULES_NFO = path.resolve(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo');
let app: TestApp;
let browser: Browser;
let base: string;
let admin: { token: string; user: { id: number } };
let worker: ReturnType<typeof startWorker>;
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

beforeAll(async () => {
  buildWebApp();
  app = await startTestApp();
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  admin = await app.createUser('admin', 'admin@example.test', []);
  await app.createUser('operator', 'member@example.test', []);
  const lead = await app.http.post('/api/roles').set(as(admin)).send({ name: 'lead', permissions: ['releases:READ', 'releases:WRITE', 'releases:MOD'] });
  expect(lead.status).toBe(201);
  await app.createUser('lead', 'lead@example.test', []);
  worker = await startReadyWorker(app.env, app.context.queue);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app.context.events.shutdown();
  await stopWorker(worker);
  await app.close();
});

/** The error shown in the labelled field's own box (not a banner elsewhere on the page). */
const errorAt = (page: Page, label: string) => page.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-error');

async function pageAs(email: string, at: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await logIn(page, base, email);
  await page.goto(`${base}${at}`);
  return { context, page };
}
const adminPage = (section: string) => pageAs('admin@example.test', `/manage/${section}`);

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
    // The form is brought into view with its first field focused.
    await expect(page.locator('input:focus').getAttribute('id')).resolves.toBe(await page.getByLabel('Tag', { exact: true }).getAttribute('id'));

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
    await page.getByRole('row', { name: /EDITED/ }).filter({ hasText: `rule: ${rule.title}; template: Plain; 10 MB volumes; to Archive` }).waitFor();
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


describe('bulk actions on the releases list', () => {
  /** A release of the admin's in BULK (every release waits for approval), settled; broken bytes fail it. */
  async function requested(title: string, broken = false): Promise<{ id: string; state: string; uploadId: string }> {
    const file = path.join(app.dataDir, `${title.replace(/\W/g, '')}.epub`);
    if (broken) fs.writeFileSync(file, 'this is not an epub at all');
    else await writeEpub(file, { title, creators: [{ name: 'Ursula K. Le Guin' }], date: '1972-01-01', publisher: 'Atheneum', language: 'en' });
    // Paused, so a broken book is requested before its inspection refuses it, and the release fails.
    const uploads = app.context.queue.queue('upload' as never);
    if (broken) await uploads.pause();
    const uploadId = (await app.http.post('/api/uploads').set(as(admin)).attach('file', file)).body.upload.id;
    if (!broken) await waitFor('inspection', async () => (await app.http.get(`/api/uploads/${uploadId}`).set(as(admin))).body.upload.status === 'inspected');
    const res = await app.http.post('/api/releases').set(as(admin)).send({ uploadId, options: { group: 'BULK', proofUrl: 'https://books.example.test/earthsea' } });
    expect(res.status).toBe(202);
    if (broken) await uploads.resume();
    return settled(res.body.release.id, ['review', 'failed']);
  }
  const settled = (id: string, states: string[]) =>
    waitFor(`release ${id} to reach ${states}`, async () => {
      const release = (await app.http.get(`/api/releases/${id}`).set(as(admin))).body.release;
      return states.includes(release.state) ? release : undefined;
    }, 90_000);
  // Before it is packed a release is called by its book's title; after, by its name (dots for spaces).
  const called = (title: string) => new RegExp(title.replace(/ /g, '[ .]'));
  const row = (page: Page, title: string) => page.locator('table.releases tbody tr', { hasText: called(title) });
  const outcome = (page: Page, title: string) => page.getByRole('table', { name: 'Bulk outcome' }).getByRole('row', { name: called(title) }).getByTestId('bulk-outcome');
  const select = (page: Page, title: string) => row(page, title).getByRole('checkbox').check();
  async function act(page: Page, verb: string, count: number): Promise<void> {
    await page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button', { name: `${verb} selected` }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.locator('li').count()).resolves.toBe(count);
    await dialog.getByRole('button', { name: verb, exact: true }).click();
    await page.getByRole('heading', { name: new RegExp(`^${verb}: \\d+ done, \\d+ refused$`) }).waitFor({ timeout: 30_000 });
  }

  it('approves, retries and deletes several releases at once, showing what each one did or why it was refused', async () => {
    const group = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'BULK', name: 'Bulk', memberIds: [admin.user.id], approvalRequired: true });
    expect(group.status).toBe(201);
    const [earthsea, atuan, shore] = [await requested('A Wizard of Earthsea'), await requested('The Tombs of Atuan'), await requested('The Farthest Shore')];
    expect([earthsea.state, atuan.state, shore.state]).toEqual(['review', 'review', 'review']);
    expect((await app.http.post(`/api/releases/${shore.id}/cancel`).set(as(admin))).body.release.state).toBe('cancelled');
    const broken = await requested('Broken', true);
    expect(broken.state).toBe('failed');

    const { context, page } = await pageAs('admin@example.test', '/releases');
    await page.waitForFunction(() => document.querySelectorAll('table.releases tbody tr').length === 4);
    await expect(page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button').allTextContents()).resolves.toEqual(['Approve selected', 'Retry selected', 'Delete selected']);

    // One in review and one cancelled: the first is approved, the second refused for its state.
    await select(page, 'A Wizard of Earthsea');
    await select(page, 'The Farthest Shore');
    await expect(page.getByRole('toolbar', { name: 'Bulk actions' }).textContent()).resolves.toContain('2 selected');
    await act(page, 'Approve', 2);
    await expect(page.getByRole('heading', { name: 'Approve: 1 done, 1 refused' }).count()).resolves.toBe(1);
    await expect(outcome(page, 'A Wizard of Earthsea').textContent()).resolves.toBe('approved, packing');
    await expect(outcome(page, 'The Farthest Shore').textContent()).resolves.toBe('refused: Release is cancelled; only a release in review can be edited, rematched or approved (409 NOT_IN_REVIEW)');
    // The refused one stays selected; the approved one is packed, seen live in the list.
    await row(page, 'A Wizard of Earthsea').getByRole('checkbox', { checked: false }).waitFor();
    await expect(row(page, 'The Farthest Shore').getByRole('checkbox').isChecked()).resolves.toBe(true);
    await row(page, 'A Wizard of Earthsea').locator('.badge', { hasText: 'done' }).waitFor({ timeout: 90_000 });
    await shoot(page, 'releases-bulk-approve');

    // A lead may act on everyone's releases but delete none, and packs only for groups they belong to.
    const lead = await pageAs('lead@example.test', '/releases');
    await lead.page.waitForFunction(() => document.querySelectorAll('table.releases tbody tr').length === 4);
    await expect(lead.page.getByRole('toolbar', { name: 'Bulk actions' }).getByRole('button').allTextContents()).resolves.toEqual(['Approve selected', 'Retry selected']);
    await select(lead.page, 'The Farthest Shore');
    await lead.page.getByRole('checkbox', { name: /^Select \(failed\) [0-9a-f]{8}$/ }).check();
    await act(lead.page, 'Retry', 2);
    await expect(lead.page.getByRole('heading', { name: 'Retry: 0 done, 2 refused' }).count()).resolves.toBe(1);
    await expect(outcome(lead.page, 'The Farthest Shore').textContent()).resolves.toBe('refused: You are not a member of BULK, so you cannot pack for it (403 FORBIDDEN)');
    const upload = (await app.http.get(`/api/uploads/${broken.uploadId}`).set(as(admin))).body.upload;
    await expect(outcome(lead.page, '\\(failed\\)').textContent()).resolves.toBe(`refused: Upload ${upload.id} was rejected: ${upload.error} (409 UPLOAD_REJECTED)`);
    await shoot(lead.page, 'releases-bulk-refused');
    await lead.context.close();

    // The admin retries the cancelled one: a new release takes its place and waits in review again.
    await page.reload();
    await select(page, 'The Farthest Shore');
    await act(page, 'Retry', 1);
    await expect(outcome(page, 'The Farthest Shore').textContent()).resolves.toBe('requested again: new release');
    const next = await outcome(page, 'The Farthest Shore').getByRole('link', { name: 'new release' }).getAttribute('href');
    expect(next).not.toBe(`/releases/${shore.id}`);
    await settled(next!.split('/').pop()!, ['review']);
    await expect((await app.http.get(`/api/releases/${shore.id}`).set(as(admin))).status).toBe(404);
    await row(page, 'The Farthest Shore').locator('.badge', { hasText: 'review' }).waitFor({ timeout: 30_000 });

    // Everything at once: done, in review, failed; selected across two pages of three, each
    // deleted behind one confirmation.
    await page.goto(new URL('/releases?pageSize=3', page.url()).href);
    await page.getByRole('checkbox', { name: 'Select every release on this page' }).check();
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 2 (4)').waitFor();
    await expect(page.getByRole('status').filter({ hasText: 'on other pages' }).textContent()).resolves.toContain('3 of the 3 selected are on other pages');
    await page.getByRole('checkbox', { name: 'Select every release on this page' }).check();
    await expect(page.getByRole('toolbar', { name: 'Bulk actions' }).textContent()).resolves.toContain('4 selected');
    await act(page, 'Delete', 4);
    await expect(page.getByRole('heading', { name: 'Delete: 4 done, 0 refused' }).count()).resolves.toBe(1);
    await expect(page.getByRole('table', { name: 'Bulk outcome' }).getByTestId('bulk-outcome').allTextContents()).resolves.toEqual(['deleted', 'deleted', 'deleted', 'deleted']);
    await page.getByText('No releases match').waitFor();
    await shoot(page, 'releases-bulk-delete');
    expect((await app.http.get('/api/releases').set(as(admin))).body.pagination.total).toBe(0);
    await context.close();
  }, 240_000);
});

describe('NFO template preview', () => {
  it("renders a draft with a chosen release's own facts and rule width, and with sample data again", async () => {
    const limits = { nfoWidth: 60, dizWidth: 44, dizLines: 30, volumeSizesMb: [5, 10], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 };
    const rule = await app.http.post('/api/rules').set(as(admin)).send({ section: 'EBOOK', year: 2030, scene: 'Narrow', title: 'Narrow rules', body: 'rules', limits });
    expect(rule.status).toBe(201);
    // Held in review after enrichment: the book record is all a template preview needs.
    const group = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'PREV', name: 'Preview', memberIds: [admin.user.id], ruleId: rule.body.rule.id, approvalRequired: true });
    expect(group.status).toBe(201);
    const file = path.join(app.dataDir, 'kindred.epub');
    await writeEpub(file, { title: 'Kindred', creators: [{ name: 'Octavia E. Butler' }], date: '1979-06-01', publisher: 'Doubleday', language: 'en' });
    const uploadId = (await app.http.post('/api/uploads').set(as(admin)).attach('file', file)).body.upload.id;
    await waitFor('inspection', async () => (await app.http.get(`/api/uploads/${uploadId}`).set(as(admin))).body.upload.status === 'inspected');
    const requested = await app.http.post('/api/releases').set(as(admin)).send({ uploadId, options: { group: 'PREV', proofUrl: 'https://books.example.test/kindred' } });
    expect(requested.status).toBe(202);
    await waitFor('the release to wait in review', async () => (await app.http.get(`/api/releases/${requested.body.release.id}`).set(as(admin))).body.release.state === 'review', 90_000);

    const { context, page } = await adminPage('templates');
    await page.getByLabel('Template', { exact: true }).fill('{{title}}\nby {{authors}}\nPublisher: {{publisher}}\nYear: {{year}}\nGroup: {{group}}\n');
    const nfo = page.getByLabel('Template preview', { exact: true });
    // The draft as typed, with the sample's facts (its group is ESP).
    await page.waitForFunction(() => document.querySelector('[aria-label="Template preview"]')?.textContent?.includes('Group: ESP'));
    await expect(nfo.textContent()).resolves.toMatch(/^Tales from Earthsea\r?\nby Ursula K\. Le Guin\r?\n/);
    await expect(page.getByTestId('template-preview-size').textContent()).resolves.toBe('80 columns, 5 lines');

    await page.getByLabel('Preview with', { exact: true }).selectOption({ label: 'Kindred (not named yet)' });
    await page.getByRole('heading', { name: 'Preview with Kindred (not named yet)' }).waitFor();
    await page.waitForFunction(() => document.querySelector('[aria-label="Template preview"]')?.textContent?.includes('Group: PREV'));
    const text = (await nfo.textContent())!.split(/\r?\n/).map((l) => l.trimEnd());
    expect(text.slice(0, 5)).toEqual(['Kindred', 'by Octavia E. Butler', 'Publisher: Doubleday', 'Year: 1979', 'Group: PREV']);
    // Rendered at the width of the release's rule, not the sample's 80 columns.
    await expect(page.getByTestId('template-preview-size').textContent()).resolves.toBe('60 columns, 5 lines');
    await shoot(page, 'admin-templates-release-preview');

    await page.getByLabel('Preview with', { exact: true }).selectOption({ label: 'sample data' });
    await page.waitForFunction(() => document.querySelector('[aria-label="Template preview"]')?.textContent?.includes('Group: ESP'));
    await expect(page.getByRole('heading', { name: 'Preview with sample data' }).count()).resolves.toBe(1);
    await expect(page.getByTestId('template-preview-size').textContent()).resolves.toBe('80 columns, 5 lines');
    await context.close();
  }, 120_000);
});

describe('a session ended elsewhere', () => {
  it('takes an open page to the login page once its live stream is told', async () => {
    const { user } = await app.createUser('operator', 'leaving@example.test', []);
    const { context, page } = await pageAs('leaving@example.test', '/releases');
    await page.locator('.live.live').waitFor();
    expect((await app.http.patch(`/api/users/${user.id}`).set(as(admin)).send({ disabled: true })).status).toBe(200);
    // Nothing else on the page asks the API in the meantime: only the stream's next check can tell it.
    await page.getByText('Your session has ended. Log in again to go on.').waitFor({ timeout: 60_000 });
    await page.getByLabel('Email', { exact: true }).waitFor();
    await context.close();
  }, 120_000);
});

// Run inside the page by waitForFunction.
declare const document: { querySelectorAll(selector: string): ArrayLike<unknown>; querySelector(selector: string): { textContent: string | null } | null };
