import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { TEST_PASSWORD, TestApp } from './test-app';

/** What the web app's browser tests share: the built app, Debian's Chromium, logging in, screenshots. */
const ROOT = path.resolve(__dirname, '../..');
export const SHOTS = path.join(ROOT, 'test-artifacts/webapp');

/**
 * Rebuilds dist/app when a source under console/app is newer than its build, else keeps it. The
 * new build goes to a folder of its own that then takes dist/app's place: the API looks for the
 * app once, when it starts, and an API another suite started during a build in place (which
 * empties dist/app first) served no web app at all (CI, twice).
 */
const BUILD_IF_STALE = `set -euo pipefail
if [ -f dist/app/index.html ] && [ -z "$(find console/app -type f -newer dist/app/index.html -print -quit)" ]; then exit 0; fi
rm -rf dist/app.next dist/app.old
npx vite build --config console/app/vite.config.ts --outDir "$PWD/dist/app.next" --emptyOutDir --logLevel error
if [ -d dist/app ]; then mv dist/app dist/app.old; fi
mv dist/app.next dist/app
rm -rf dist/app.old`;

/** The app as `npm run build` makes it, from the current sources (one build at a time on the machine). */
export function buildWebApp(): void {
  execFileSync('flock', ['/tmp/build.lock', 'bash', '-c', BUILD_IF_STALE], { cwd: ROOT, stdio: 'inherit' });
}

export function launchChromium(): Promise<Browser> {
  fs.mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function logIn(page: Page, base: string, email: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** A full-page screenshot at 1280 and at 390 px wide, into test-artifacts/webapp/<name>-<width>.png. */
export async function shoot(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/**
 * Runs a browser test's steps on a page; when a step fails, the thrown error also carries what the
 * page showed (its visible text, and a screenshot at test-artifacts/webapp/failure-<name>.png) and
 * what the app logged at warn or error, so a failure in CI can be read from CI's log alone.
 */
export async function explainingFailures(page: Page, name: string, app: Pick<TestApp, 'logged'>, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (err) {
    const shot = path.join(SHOTS, `failure-${name}.png`);
    const seen = await page
      .screenshot({ path: shot, fullPage: true })
      .then(() => page.innerText('body'))
      .catch((e: Error) => `(the page could not be read: ${e.message})`);
    const problems = app.logged().filter((entry) => entry.level === 'warn' || entry.level === 'error');
    if (err instanceof Error) {
      const told = `${err.message}\n\nAt ${page.url()} the page showed (screenshot ${shot}):\n${seen.slice(0, 2000)}\n\nThe app's warnings and errors (${problems.length}):\n${problems.slice(-20).map((entry) => JSON.stringify(entry)).join('\n')}`;
      // Jest prints the stack, which holds the message as it was when the error was made.
      err.stack = err.stack?.replace(err.message, told);
      err.message = told;
    }
    throw err;
  }
}
