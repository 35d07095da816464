import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { errorHandler } from '../api/middleware/errors';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { webAppRoutes } from './app-static';

const PAGE = '<!doctype html><title>app</title>';
let dir: string;
let server: import('node:http').Server;
let url: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-app-static-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), PAGE);
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  const app = express().use(webAppRoutes(dir));
  app.use((_req, res) => res.status(404).json({ error: { code: 'NOT_FOUND' } }));
  // The API's own error handler, which answers what the static server refuses.
  app.use(errorHandler(createLogger(loadConfig({ DATA_DIR: dir }))));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const html = { Accept: 'text/html' };

describe('the web app on the API origin', () => {
  it('answers each page path of the app with the page shell, revalidated on every load', async () => {
    for (const page of ['/', '/releases', '/releases?state=failed', '/manage/users']) {
      const res = await fetch(`${url}${page}`, { headers: html });
      expect({ page, status: res.status, body: await res.text(), cache: res.headers.get('cache-control') }).toEqual({ page, status: 200, body: PAGE, cache: 'no-cache' });
    }
  });

  it('sends the whole page to a browser resuming a copy it thinks cut short, never a 416', async () => {
    const first = await fetch(`${url}/releases`, { headers: html });
    const validator = first.headers.get('last-modified') as string;
    const resumed = await fetch(`${url}/releases?state=failed`, { headers: { ...html, Range: `bytes=${PAGE.length}-`, 'If-Range': validator } });
    expect(resumed.status).toBe(200);
    expect(await resumed.text()).toBe(PAGE);
    expect(resumed.headers.get('accept-ranges')).toBeNull();
  });

  it('leaves server paths and requests that do not want a page to the API', async () => {
    for (const [target, headers] of [['/api/releases', html], ['/health', html], ['/admin/queues', html], ['/releases', { Accept: 'application/json' }]] as const) {
      const res = await fetch(`${url}${target}`, { headers });
      expect({ target, status: res.status }).toEqual({ target, status: 404 });
    }
    const posted = await fetch(`${url}/releases`, { method: 'POST', headers: html });
    expect(posted.status).toBe(404);
  });

  it('serves hashed assets as cached for good, and a missing asset as a 404 rather than the page', async () => {
    const asset = await fetch(`${url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // Whole files, whatever range is asked for (a suffix longer than the file is no 416).
    for (const range of ['bytes=-99999', 'bytes=2-4', 'bytes=500-']) {
      const ranged = await fetch(`${url}/assets/index-abc123.js`, { headers: { Range: range } });
      expect({ range, status: ranged.status, body: await ranged.text() }).toEqual({ range, status: 200, body: 'console.log(1)' });
    }
    const missing = await fetch(`${url}/assets/index-gone.js`, { headers: html });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'Not found' } });
  });
});
