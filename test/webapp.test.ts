import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { buildWebApp, explainingFailures, launchChromium, logIn as logInAt, shoot } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker } from './support/worker-process';

/**
 * The operator web app in a real browser (Debian's Chromium via playwright-core) against the real
 * app and a real worker process, from an empty install: log in, create a group, drop three books,
 * edit a fact and see the preview follow, request, watch them reach done live, read the NFO,
 * download the release, delete one, one task per admin page; then an operator sees no admin.
 * Screenshots of every page at 1280 and 390 px go to test-artifacts/webapp/.
 */
// Run inside the page by waitForFunction.
declare const document: { querySelectorAll(selector: string): ArrayLike<Element>; querySelector(selector: string): Element | null };
interface Element {
  textContent: string | null;
}
const RULES_NFO = path.resolve(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo');
let app: TestApp;
let browser: Browser;
let worker: ReturnType<typeof startWorker>;
let base: string;
const BOOKS = [
  { file: 'earthsea.epub', title: 'A Wizard of Earthsea', author: 'Ursula K. Le Guin', year: '1968' },
  { file: 'dispossessed.epub', title: 'The Dispossessed', author: 'Ursula K. Le Guin', year: '1974' },
  { file: 'lathe.epub', title: 'The Lathe of Heaven', author: 'Ursula K. Le Guin', year: '1971' },
];

const logIn = (page: Page, email: string) => logInAt(page, base, email);

beforeAll(async () => {
  buildWebApp();
  app = await startTestApp();
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await app.createUser('admin', 'admin@example.test', []);
  await app.createUser('operator', 'operator@example.test', []);
  worker = await startReadyWorker(app.env, app.context.queue);
  for (const book of BOOKS) {
    await writeEpub(path.join(app.dataDir, book.file), { title: book.title, creators: [{ name: book.author }], date: `${book.year}-01-01`, publisher: 'Ace Books', language: 'en' });
  }
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app.context.events.shutdown();
  await stopWorker(worker);
  await app.close();
});

describe('operator web app', () => {
  it('takes an admin from an empty install to three published releases, live, and through every admin page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await explainingFailures(page, 'admin-walkthrough', app, async () => {
      // Chromium's layout-shift entries, summed per page load (shifts right after input excluded).
      // (A string: this file is type-checked without the DOM's types.)
      await page.addInitScript(`
        window.layoutShift = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.layoutShift += entry.value;
        }).observe({ type: 'layout-shift', buffered: true });
      `);
      await page.goto(`${base}/`);
      await page.getByRole('heading', { name: 'eBook Scene Packer' }).waitFor();
      await shoot(page, 'login');
      await logIn(page, 'admin@example.test');
      await page.locator('.user-menu summary').click();
      await expect(page.getByTestId('role').textContent()).resolves.toBe('admin');
      await page.locator('.user-menu summary').click();

      // A group first: the install has none.
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('link', { name: 'Groups' }).click();
      await page.getByText('No groups yet').waitFor();
      await page.getByLabel('Tag', { exact: true }).fill('WEB');
      await page.getByLabel('Name', { exact: true }).fill('Web releases');
      await page.getByLabel('Members', { exact: true }).selectOption({ label: 'admin@example.test' });
      await page.getByRole('button', { name: 'Create group' }).click();
      await page.getByRole('cell', { name: 'WEB', exact: true }).waitFor();
      await shoot(page, 'admin-groups');

      // Three books at once.
      await page.getByRole('link', { name: 'New release' }).click();
      await page.getByText('No books yet').waitFor();
      await page.getByLabel('Proof URL (all books)', { exact: true }).fill('https://books.example.test/le-guin');
      await page.locator('#book-files').setInputFiles(BOOKS.map((b) => path.join(app.dataDir, b.file)));
      await expect(page.locator('[data-testid=upload-status]', { hasText: 'inspected' }).count()).resolves.toBeLessThanOrEqual(3);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=upload-status]').length === 3 && Array.from(document.querySelectorAll('[data-testid=upload-status]')).every((e) => e.textContent === 'inspected'), undefined, { timeout: 60_000 });
      const name = page.getByTestId('preview-name');
      await expect(name.textContent({ timeout: 30_000 })).resolves.toBe('Ursula.K.Le.Guin.A.Wizard.of.Earthsea.1968.RETAiL.ePub.eBook-WEB');
      await page.getByLabel('NFO preview', { exact: true }).waitFor();
      await shoot(page, 'new-release');

      // One fact edited: the preview follows.
      await page.getByLabel('Title', { exact: true }).fill('A Wizard of Earthsea Illustrated');
      await page.waitForFunction(() => document.querySelector('[data-testid=preview-name]')?.textContent?.includes('Illustrated'), undefined, { timeout: 30_000 });
      await expect(name.textContent()).resolves.toBe('Ursula.K.Le.Guin.A.Wizard.of.Earthsea.Illustrated.1968.RETAiL.ePub.eBook-WEB');
      await expect(page.getByLabel('NFO preview', { exact: true }).textContent()).resolves.toContain('A Wizard of Earthsea Illustrated');

      // Request all three and watch them reach done without reloading.
      await page.getByRole('button', { name: 'Request 3 releases' }).click();
      await page.waitForFunction(() => document.querySelectorAll('.release-cell .badge').length === 3 && Array.from(document.querySelectorAll('.release-cell .badge')).every((b) => b.textContent === 'done'), undefined, { timeout: 120_000 });
      await shoot(page, 'new-release-done');

      // The release page: NFO viewer, files, download of the whole release.
      await page.getByRole('link', { name: /Illustrated/ }).click();
      await page.getByLabel('NFO viewer', { exact: true }).waitFor();
      await expect(page.getByLabel('NFO viewer', { exact: true }).textContent()).resolves.toContain('Proof');
      await page.locator('.checks li.pass, .checks li.fail').first().waitFor();
      await shoot(page, 'release');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the release (zip)' }).click()]);
      const zip = path.join(app.dataDir, 'release.zip');
      await download.saveAs(zip);
      expect(execFileSync('unzip', ['-t', zip]).toString()).toContain('No errors detected');

      // Delete it, behind a confirmation.
      await page.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await page.waitForURL(`${base}/releases`);
      await page.waitForFunction(() => document.querySelectorAll('table.releases tbody tr').length === 2, undefined, { timeout: 20_000 });
      await expect(page.locator('table.releases').textContent()).resolves.not.toContain('Illustrated');
      await shoot(page, 'releases');
      // Data arriving moves nothing already drawn: the list and a release page, each freshly loaded,
      // stay under 0.1 cumulative layout shift (the "good" bound of Core Web Vitals).
      const layoutShift = () => page.evaluate<number>('window.layoutShift');
      await page.goto(`${base}/releases`);
      await page.waitForFunction(() => document.querySelectorAll('table.releases tbody tr').length === 2);
      await page.waitForTimeout(500);
      const listShift = await layoutShift();
      await page.locator('table.releases tbody tr a').first().click();
      await page.reload();
      await page.locator('.checks li.pass, .checks li.fail').first().waitFor();
      await page.waitForTimeout(500);
      expect(listShift).toBeLessThan(0.1);
      expect(await layoutShift()).toBeLessThan(0.1);
      await page.goto(`${base}/releases?state=failed`);
      await page.getByText('No releases match').waitFor();

      // One task per admin page.
      await page.goto(`${base}/manage/users`);
      await page.getByLabel('Email', { exact: true }).fill('reviewer@example.test');
      await page.getByLabel('Password', { exact: true }).fill('a long enough password');
      await page.getByRole('button', { name: 'Create user' }).click();
      await page.getByRole('cell', { name: 'reviewer@example.test', exact: true }).waitFor();
      await shoot(page, 'admin-users');

      await page.getByRole('link', { name: 'Roles' }).click();
      await page.getByLabel('Name', { exact: true }).fill('reviewer');
      await page.getByRole('button', { name: 'Create role' }).click();
      await page.getByText('reviewer', { exact: false }).locator('xpath=ancestor::table').first().waitFor().catch(() => undefined);
      await page.locator('caption', { hasText: 'reviewer' }).waitFor();
      await shoot(page, 'admin-roles');

      await page.getByRole('link', { name: 'Rules' }).click();
      await page.getByLabel('Rules file', { exact: true }).setInputFiles(RULES_NFO);
      await page.getByRole('button', { name: 'Import' }).click();
      await page.getByRole('status', { name: 'Import report' }).waitFor();
      await shoot(page, 'admin-rules');

      await page.getByRole('link', { name: 'NFO templates' }).click();
      await page.getByLabel('Template name', { exact: true }).fill('Plain');
      await page.getByLabel('Template', { exact: true }).fill('{{title}}\n{{nosuchfield}}\n');
      await page.locator('.gutter li.bad', { hasText: '2' }).waitFor();
      await expect(page.locator('#template-problems').textContent()).resolves.toContain('Line 2');
      await page.getByLabel('Template', { exact: true }).fill('{{title}}\nby {{authors}}\n');
      await page.getByLabel('Template preview', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Create template' }).click();
      await page.getByRole('button', { name: 'Plain' }).waitFor();
      await shoot(page, 'admin-templates');

      await page.getByRole('link', { name: 'Destinations' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Closed port');
      await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
      await page.getByLabel('Port', { exact: true }).fill('9');
      await page.getByLabel('Username', { exact: true }).fill('nobody');
      await page.getByLabel('Password', { exact: true }).fill('not a real password');
      await page.getByRole('button', { name: 'Add destination' }).click();
      await page.getByRole('button', { name: 'Test Closed port' }).click();
      await page.getByTestId('destination-test').waitFor({ timeout: 30_000 });
      await shoot(page, 'admin-destinations');

      await page.getByRole('link', { name: 'Settings' }).click();
      const firstSecret = page.locator('input[type=password][aria-label^="New value of"]').first();
      await firstSecret.fill('sk-test-value');
      await firstSecret.locator('xpath=..').getByRole('button', { name: 'Save' }).click();
      await page.getByRole('cell', { name: /^set \(database\)$/ }).first().waitFor();
      await expect(page.content()).resolves.not.toContain('sk-test-value');
      await shoot(page, 'admin-settings');
    });
    await context.close();
  }, 300_000);

  it('shows an operator no admin pages and no actions their role lacks', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await explainingFailures(page, 'operator-no-admin', app, async () => {
      await logIn(page, 'operator@example.test');
      await expect(page.getByRole('link', { name: 'Admin' }).count()).resolves.toBe(0);
      await page.goto(`${base}/manage/users`);
      await page.getByText('Nothing to manage here').waitFor();
      await expect(page.locator('nav[aria-label="Admin sections"] a').count()).resolves.toBe(0);
      await shoot(page, 'operator-admin');
      // Not in any group yet: the new release page says what to do.
      await page.goto(`${base}/`);
      await page.getByText('You are in no group yet').waitFor();
      await page.goto(`${base}/releases`);
      await page.getByText('No releases match').waitFor();
    });
    await context.close();
  }, 120_000);

  it('keeps a logged-in user out of the login page while the server cannot be reached, and goes on when it can', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await explainingFailures(page, 'session-unchecked', app, async () => {
      await logIn(page, 'operator@example.test');
      // The network drops every session check (as a restarting server or a lost link would).
      let checks = 0;
      await page.route('**/api/auth/me', (route) => {
        checks++;
        return route.abort('connectionrefused');
      });
      await page.goto(`${base}/releases`);
      await page.getByRole('heading', { name: 'Your session could not be checked' }).waitFor({ timeout: 30_000 });
      expect(checks).toBe(3); // the first try and two retries
      await expect(page.getByLabel('Email', { exact: true }).count()).resolves.toBe(0);
      await shoot(page, 'session-unchecked');
      // Reachable again: one click, and the page the user asked for, still logged in.
      await page.unroute('**/api/auth/me');
      await page.getByRole('button', { name: 'Try again' }).click();
      await page.getByText('No releases match').waitFor();
      await expect(page.getByRole('navigation', { name: 'Main' }).isVisible()).resolves.toBe(true);
    });
    await context.close();
  }, 120_000);
});
