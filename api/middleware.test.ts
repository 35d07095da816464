import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import vm from 'node:vm';
import express from 'express';
import supertest from 'supertest';
import { bindModels } from '../db/models';
import { AppError } from '../lib/errors';
import { startMetricsServer } from '../lib/metrics-server';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';
import { freePort } from '../test/support/ports';
import { waitFor } from '../test/support/worker-process';
import { errorHandler } from './middleware/errors';

/**
 * What the middleware in front of every route promises, seen from outside: request ids and the
 * request log, the web app's session cookie and its same-origin guard, the console's own cookie,
 * how failures become answers (and log lines), and the request metrics.
 */
let app: TestApp;
let base: string;
let operator: { token: string; user: { email: string } };
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
/** A client without a cookie jar (app.http keeps the cookies it is given). */
const browser = () => supertest(app.server);
/**
 * Another app of this test file; the models are bound to one database at a time, so they go
 * back to the main app's when it is closed.
 */
async function closeOther(other: TestApp): Promise<void> {
  await other.close();
  bindModels(app.context.db);
}

beforeAll(async () => {
  app = await startTestApp();
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  operator = await app.createUser('operator', 'middleware-op@example.test');
});
afterAll(() => app.close());

const linesOf = (requestId: string, from: TestApp = app) => from.logged().filter((l) => l.requestId === requestId);
/** The access log line of a request (written once the answer is sent, so waited for). */
const accessLine = (requestId: string, from: TestApp = app) =>
  waitFor(`the request line of ${requestId}`, async () => linesOf(requestId, from).find((l) => l.message === 'request'));

describe('request ids and the request log', () => {
  it('keeps an incoming id of 1 to 64 safe characters, and replaces anything else', async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const longest = 'a.B_9-'.repeat(10) + 'abcd';
    expect((await app.http.get('/api/nope').set('X-Request-Id', longest)).headers['x-request-id']).toBe(longest);
    for (const hostile of [`${longest}e`, 'not ok!but-ends-well', 'line\tbreak']) {
      const res = await app.http.get('/api/nope').set('X-Request-Id', hostile);
      expect(res.headers['x-request-id']).toMatch(uuid);
      expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
    }
  });

  it('logs each answered request: its id, method, path without the query, status and duration', async () => {
    const started = Date.now();
    await app.http.get('/api/nope?token=do-not-log-me').set('X-Request-Id', 'access-log-1');
    const line = await accessLine('access-log-1');
    const elapsed = Date.now() - started;
    expect(line).toMatchObject({ level: 'http', method: 'GET', path: '/api/nope', status: 404 });
    expect(line.ms).toEqual(expect.any(Number));
    expect(line.ms).toBeGreaterThanOrEqual(0);
    expect(line.ms).toBeLessThanOrEqual(elapsed);
    expect(JSON.stringify(linesOf('access-log-1'))).not.toContain('do-not-log-me');
  });

  it('names the request on the lines logged while serving it', async () => {
    const res = await app.http.post('/api/auth/login').set('X-Request-Id', 'login-ctx-1').send({ email: operator.user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    await accessLine('login-ctx-1');
    expect(linesOf('login-ctx-1').map((l) => l.message)).toContain('login');
  });

  it('logs a client error as a request only, never as a server problem', async () => {
    await app.http.get('/api/nope').set('X-Request-Id', 'client-error-1');
    await accessLine('client-error-1');
    expect(linesOf('client-error-1').map((l) => l.level)).toEqual(['http']);
  });
});

describe('the web app session cookie', () => {
  let token: string;
  beforeAll(async () => {
    const login = await browser().post('/api/session').set('Origin', base).send({ email: operator.user.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.headers['set-cookie'][0]).not.toMatch(/Secure/i);
    token = String(login.headers['set-cookie'][0]).split(';')[0].split('=')[1];
  });
  const me = (cookie: string) => browser().get('/api/auth/me').set('Cookie', cookie);

  it('is found among other cookies, with space around its value', async () => {
    expect((await me(`theme=dark; esp_session=${token}`)).status).toBe(200);
    expect((await me(`theme=dark;esp_session= ${token} ; lang=en`)).status).toBe(200);
  });

  it('is not taken from other cookies, nor from a cookie whose name only starts like it', async () => {
    for (const cookie of ['theme=dark; lang=en', 'esp_sessionX', `esp_session_old=${token}`, 'esp_session=']) {
      const res = await me(cookie);
      expect({ cookie, status: res.status, code: res.body.error?.code }).toEqual({ cookie, status: 401, code: 'UNAUTHORIZED' });
    }
    // Without the session cookie a cross-site change is not a browser session's: no CSRF refusal, just no login.
    const res = await browser().post('/api/releases/preview').set('Cookie', 'theme=dark; esp_sessionX').set('Origin', 'https://evil.example').send({});
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('lets reads through from anywhere, and changes only from this origin', async () => {
    const cookie = `esp_session=${token}`;
    expect((await browser().head('/api/auth/me').set('Cookie', cookie).set('Origin', 'https://evil.example')).status).toBe(200);
    // OPTIONS reaches the routes (which allow no OPTIONS), past the guard.
    const options = await browser().options('/api/releases').set('Cookie', cookie).set('Origin', 'https://evil.example');
    expect(options.status).toBe(405);
    expect(options.body.error.code).toBe('METHOD_NOT_ALLOWED');
    const change = (headers: Record<string, string>) => browser().post('/api/releases/preview').set('Cookie', cookie).set(headers).send({});
    // "Origin: null" (Referrer-Policy: no-referrer): Sec-Fetch-Site decides.
    expect((await change({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' })).body.error.code).toBe('VALIDATION_FAILED');
    const foreign: Record<string, string>[] = [{ Origin: 'null', 'Sec-Fetch-Site': 'cross-site' }, { Origin: 'not a url' }, { Origin: `${base}.evil.example` }, { 'Sec-Fetch-Site': 'same-site' }];
    for (const headers of foreign) {
      const res = await change(headers);
      expect({ headers, status: res.status, error: res.body.error }).toEqual({
        headers,
        status: 403,
        error: expect.objectContaining({ code: 'CSRF_REJECTED', message: 'Cross-site request refused' }),
      });
    }
  });

  it('is Secure in production', async () => {
    const strong = 'f3a9c1d07be24e5a8c6b1d2e3f405162';
    const production = await startTestApp({ NODE_ENV: 'production', SECRET_KEY: strong, JWT_SECRET_KEY: [...strong].reverse().join('') });
    try {
      const { user } = await production.createUser('operator', 'prod-op@example.test');
      const origin = `http://127.0.0.1:${(production.server.address() as AddressInfo).port}`;
      const login = await supertest(production.server).post('/api/session').set('Origin', origin).send({ email: user.email, password: TEST_PASSWORD });
      expect(login.status).toBe(200);
      expect(login.headers['set-cookie'][0]).toMatch(/^esp_session=[^;]+;.* Path=\/api;.* HttpOnly; Secure; SameSite=Strict$/);
    } finally {
      await closeOther(production);
    }
  });
});

describe('the console', () => {
  it('takes its own cookie only, never a bearer token', async () => {
    const { token } = await app.createUser('admin', 'console-admin@example.test');
    const bearer = await browser().get('/admin/').set(as({ token })).set('Accept', 'application/json');
    expect(bearer.status).toBe(401);
    expect(bearer.body.error.code).toBe('UNAUTHORIZED');
    expect((await browser().get('/admin/').set('Cookie', `esp_console=${token}`)).status).toBe(200);
  });
});

describe('a failing database', () => {
  let broken: TestApp;
  let token: string;
  beforeAll(async () => {
    broken = await startTestApp();
    ({ token } = await broken.createUser('operator', 'db-down@example.test'));
    await broken.context.db.destroy();
  });
  afterAll(() => closeOther(broken));

  it('is an internal error (500, nothing of it told), logged with its stack, never a 401', async () => {
    const res = await broken.http.get('/api/auth/me').set(as({ token })).set('X-Request-Id', 'db-down-1');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL_ERROR', message: 'Internal server error', requestId: 'db-down-1' } });
    await accessLine('db-down-1', broken);
    const problem = linesOf('db-down-1', broken).find((l) => l.level === 'error');
    expect(problem).toMatchObject({ message: 'unhandled error', error: expect.stringMatching(/\n\s+at /) });
  });
});

describe('Redis down', () => {
  let down: TestApp;
  beforeAll(async () => {
    down = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:9/0' });
  });
  afterAll(() => closeOther(down));

  it('is a 503 that is logged as a warning with its code', async () => {
    const who = await down.createUser('operator', 'redis-down@example.test');
    const res = await down.http.post('/api/uploads').set(as(who)).set('X-Request-Id', 'redis-down-1').attach('file', Buffer.from('a book'), 'book.epub');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    await accessLine('redis-down-1', down);
    const lines = linesOf('redis-down-1', down);
    expect(lines.filter((l) => l.code)).toEqual([expect.objectContaining({ level: 'warn', message: res.body.error.message, code: 'SERVICE_UNAVAILABLE' })]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('errors from libraries, and errors after the answer began', () => {
  // Our error handler behind routes that fail as third-party code can: with any status, or late.
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const harness = express();
    harness.get('/status/:code', (req, _res, next) => next(Object.assign(new Error('pool for db-password-xyz exhausted'), { status: Number(req.params.code) })));
    harness.get('/known-500', (_req, _res, next) => next(new AppError(500, 'STORE_BROKEN', 'The store failed')));
    // Built by another realm's Error, as a native module's error can be (not `instanceof Error` here).
    harness.get('/foreign', (_req, _res, next) => next(vm.runInNewContext("new Error('a foreign failure')")));
    harness.get('/late', (_req, res, next) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('partial');
      setTimeout(() => next(new Error('the disk went away')), 20);
    });
    harness.use(errorHandler(app.context.logger));
    server = harness.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  /** Warnings and errors logged since line `from`. */
  const problems = (from: number) => app.logged().slice(from).filter((l) => l.level === 'warn' || l.level === 'error');

  it('answers an error with a status that is not a client error as an internal error, telling nothing of it', async () => {
    for (const code of [500, 503, 302]) {
      const res = await fetch(`${url}/status/${code}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ code, status: res.status, error: body.error }).toEqual({ code, status: 500, error: expect.objectContaining({ code: 'INTERNAL_ERROR', message: 'Internal server error' }) });
    }
    const before = app.logLines.length;
    const clientError = await fetch(`${url}/status/404`);
    expect(clientError.status).toBe(404);
    expect(await clientError.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'Not found' } });
    // Logged with its status; a message not written for the client (no `expose`) stays out of the log too.
    expect(problems(before)).toEqual([expect.objectContaining({ level: 'warn', message: 'request refused by a library', path: '/status/404', status: 404 })]);
    expect(JSON.stringify(problems(before))).not.toContain('db-password');
  });

  it('logs a known server error as a warning with its code', async () => {
    const before = app.logLines.length;
    const res = await fetch(`${url}/known-500`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('STORE_BROKEN');
    expect(problems(before)).toEqual([expect.objectContaining({ level: 'warn', message: 'The store failed', code: 'STORE_BROKEN' })]);
  });

  it("logs an unhandled error from another realm with its stack", async () => {
    const before = app.logLines.length;
    const res = await fetch(`${url}/foreign`);
    expect(res.status).toBe(500);
    expect(problems(before)).toEqual([expect.objectContaining({ level: 'error', message: 'unhandled error', error: expect.stringMatching(/^Error: a foreign failure\n\s+at /) })]);
  });

  it('ends an answer already under way cleanly when it fails, and logs the failure', async () => {
    const before = app.logLines.length;
    const res = await fetch(`${url}/late`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('partial');
    expect(problems(before)).toEqual([expect.objectContaining({ level: 'error', message: 'unhandled error', error: expect.stringContaining('the disk went away') })]);
  });
});

describe('request metrics', () => {
  it('times each request under its route pattern, method and status; unrouted ones as unmatched', async () => {
    const port = await freePort();
    const metrics = await startMetricsServer({ metrics: { host: '127.0.0.1', port } }, app.context.logger);
    try {
      const id = '0b6f4c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b';
      expect((await app.http.get(`/api/releases/${id}`).set(as(operator))).status).toBe(404);
      expect((await app.http.post('/api/releases').set(as(operator)).send({})).status).toBe(400);
      expect((await app.http.get('/health')).status).toBeLessThan(600);
      expect((await app.http.delete('/api/no-such-route').set(as(operator))).status).toBe(404);
      const counts = await waitFor('the requests to be counted', async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const found = [...text.matchAll(/^esp_http_request_duration_seconds_count\{(.*)\} (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
        return found.some((s) => s.includes('DELETE')) ? found : undefined;
      });
      expect(counts).toEqual(
        expect.arrayContaining([
          'method="GET",route="/api/releases/:id",status="404" 1',
          'method="POST",route="/api/releases",status="400" 1',
          expect.stringMatching(/^method="GET",route="\/health",status="\d{3}" 1$/),
          'method="DELETE",route="unmatched",status="404" 1',
        ]),
      );
      expect(counts.join('\n')).not.toContain(id);
    } finally {
      await new Promise((resolve) => metrics?.close(resolve));
    }
  });
});
