import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser } from 'playwright-core';
import supertest from 'supertest';
import { JobRun } from '../db/models';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';
import { exited, startWorker, waitFor } from '../test/support/worker-process';

/** The console in a real browser (Debian's Chromium driven by playwright-core), against the real app. */
const ARTIFACTS = path.resolve(__dirname, '../test-artifacts');
let app: TestApp;
let browser: Browser;
let worker: ReturnType<typeof startWorker>;
let admin: { email: string };
let base: string;
let failedUploadId: string;

beforeAll(async () => {
  app = await startTestApp();
  admin = (await app.createUser('admin', 'admin@example.test')).user;
  const { token } = await app.createUser('operator', 'operator@example.test');
  worker = startWorker(app.env);
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  // A failed job to look at and retry: an "eBook" that is really a PNG.
  const res = await app.http
    .post('/api/uploads')
    .set('Authorization', `Bearer ${token}`)
    .attach('file', Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64)]), 'novel.epub');
  failedUploadId = res.body.upload.id;
  await waitFor('the inspection to fail', async () => (await app.context.queue.queue('upload' as never).getFailedCount()) === 1);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  worker.kill('SIGTERM');
  await exited(worker);
  await app.close();
});

describe('operator console', () => {
  it('logs in, shows the dashboard, opens Bull Board, retries a failed job, logs out', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/admin`);
    expect(page.url()).toBe(`${base}/admin/login`);
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', TEST_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/admin`);

    const cookie = (await page.context().cookies()).find((c) => c.name === 'esp_console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });
    const queues = page.locator('section', { hasText: 'Queues' }).first();
    await expect(queues.locator('tr', { hasText: 'upload' }).locator('td').nth(3).textContent()).resolves.toBe('1');
    await expect(page.locator('section', { hasText: 'Failed jobs' }).textContent()).resolves.toContain('not an eBook: the content is a PNG image');
    await expect(page.locator('section', { hasText: 'Health' }).textContent()).resolves.toMatch(/database\s*up/);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-dashboard.png'), fullPage: true });

    await page.goto(`${base}/admin/queues/queue/upload?status=failed`);
    await page.getByText('not an eBook: the content is a PNG image').waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-bull-board.png'), fullPage: true });
    await page.getByRole('button', { name: /retry all/i }).click();
    // Bull Board asks for confirmation of bulk actions.
    const confirm = page.getByRole('button', { name: /^(confirm|retry|yes)$/i }).last();
    await confirm.waitFor({ timeout: 5000 }).then(() => confirm.click(), () => undefined);
    // The retried job ran again in the worker (and failed again: the file is still a PNG).
    await waitFor('the retried run', async () => (await JobRun.query().where({ uploadId: failedUploadId })).length === 2, 20_000);

    await page.goto(`${base}/admin`);
    await page.click('text=Log out');
    await page.waitForURL(`${base}/admin/login`);
    await page.goto(`${base}/admin`);
    expect(page.url()).toBe(`${base}/admin/login`);
    await page.close();
  });

  it('refuses non-admins and wrong passwords', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/admin/login`);
    await page.fill('input[name=email]', 'operator@example.test');
    await page.fill('input[name=password]', TEST_PASSWORD);
    await page.click('button[type=submit]');
    await expect(page.locator('[role=alert]').textContent()).resolves.toBe('The console is for admins only.');
    await page.fill('input[name=email]', admin.email);
    await page.fill('input[name=password]', 'not the password');
    await page.click('button[type=submit]');
    await expect(page.locator('[role=alert]').textContent()).resolves.toBe('Wrong email or password.');
    await page.close();
  });

  it('refuses cross-site state changes and bearer-less API calls', async () => {
    const login = await app.http.post('/admin/login').set('Origin', base).type('form').send({ email: admin.email, password: TEST_PASSWORD });
    expect(login.status).toBe(303);
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    const forged = await app.http.put(`/admin/queues/api/queues/upload/retry/failed`).set('Cookie', cookie).set('Origin', 'https://evil.example');
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('CSRF_REJECTED');
    const noOrigin = await app.http.post('/admin/logout').set('Cookie', cookie);
    expect(noOrigin.status).toBe(403);
    // A client without the session cookie (a fresh agent) is refused.
    expect((await supertest(app.server).get('/admin/queues/api/queues').set('Accept', 'application/json')).status).toBe(401);
  });
});
