import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { chromium } from 'playwright-core';
import type { Response } from 'supertest';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { startTestApp, TestApp, TEST_PASSWORD } from './support/test-app';
import { mountedRoutes } from './support/route-table';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * The OpenAPI document against the app itself: every mounted API route is described (and nothing
 * else), and the answers of a real call of every route validate against the document's schemas.
 */
const RULES_NFO = path.join(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo');
type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; 'x-permission'?: unknown }>> };

let app: TestApp;
let worker: ReturnType<typeof startWorker>;
let admin: { token: string; user: { id: number; email: string } };
let doc: Doc;
const answers: { method: string; route: string; res: Response }[] = [];

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin');
  worker = await startReadyWorker(app.env, app.context.queue);
  doc = (await app.http.get('/api/openapi.json')).body;
}, 120_000);
afterAll(async () => {
  await stopWorker(worker);
  await app.close();
});

const specPath = (route: string) => route.replace(/:(\w+)/g, '{$1}');
/** Calls one route (its Express path, filled with `values`) and keeps the answer for validation. */
async function call(method: string, route: string, values: Record<string, string | number> = {}, send?: (r: ReturnType<TestApp['http']['get']>) => ReturnType<TestApp['http']['get']>, token: string | null = admin.token) {
  const url = route.replace(/:(\w+)/g, (_m, key: string) => encodeURIComponent(String(values[key])));
  let request = (app.http as unknown as Record<string, (u: string) => ReturnType<TestApp['http']['get']>>)[method.toLowerCase()](url);
  if (token) request = request.set('Authorization', `Bearer ${token}`);
  const res = await (send ? send(request) : request);
  answers.push({ method, route, res });
  return res;
}

describe('OpenAPI document', () => {
  it('describes exactly the mounted API routes, each with its permission and error answers', () => {
    const mounted = mountedRoutes(app.server.listeners('request')[0] as never)
      .filter((r) => !r.path.startsWith('/admin'))
      .map((r) => `${r.method} ${specPath(r.path)}`);
    const described = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(mounted.length).toBeGreaterThan(60);
    expect([...new Set(mounted)].sort()).toEqual([...new Set(described)].sort());
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect({ route: `${method} ${p}`, has: 'x-permission' in op }).toEqual({ route: `${method} ${p}`, has: true });
        expect(op.responses.default.content?.['application/json']).toEqual({ schema: { $ref: '#/components/schemas/Error' } });
      }
    }
  });

  it('validates a real answer of every route against the document', async () => {
    // Public and account routes.
    await call('GET', '/health');
    await call('GET', '/api/openapi.json');
    await call('GET', '/api/docs');
    await call('GET', '/api/docs/standalone.js');
    await call('GET', '/api/docs/init.js');
    const login = await call('POST', '/api/auth/login', {}, (r) => r.send({ email: admin.user.email, password: TEST_PASSWORD }), null);
    const refreshed = await call('POST', '/api/auth/refresh', {}, (r) => r.send({ refreshToken: login.body.refreshToken }), null);
    await call('GET', '/api/auth/me');
    await call('POST', '/api/auth/logout', {}, (r) => r.send({ refreshToken: refreshed.body.refreshToken }), null);
    const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    // The agent keeps the session cookie between these two calls.
    await call('POST', '/api/session', {}, (r) => r.set('Origin', origin).send({ email: admin.user.email, password: TEST_PASSWORD }), null);
    await call('DELETE', '/api/session', {}, (r) => r.set('Origin', origin), null);
    // The event stream never ends: its 401 answer is what is checked here.
    await call('GET', '/api/events', {}, undefined, 'not-a-token');
    await call('GET', '/api/users');
    const user = await call('POST', '/api/users', {}, (r) => r.send({ email: 'new@example.test', password: 'long enough password', role: 'operator' }));
    const userId = user.body.user.id;
    await call('GET', '/api/users/:id', { id: userId });
    await call('PATCH', '/api/users/:id', { id: userId }, (r) => r.send({ disabled: false }));
    await call('POST', '/api/users/:id/password', { id: userId }, (r) => r.send({ password: 'another long password' }));
    await call('POST', '/api/users/:id/unlock', { id: userId });

    // Managed resources.
    const role = await call('POST', '/api/roles', {}, (r) => r.send({ name: 'reader', permissions: ['releases:READ'] }));
    await call('GET', '/api/roles');
    await call('GET', '/api/roles/:id', { id: role.body.role.id });
    await call('PATCH', '/api/roles/:id', { id: role.body.role.id }, (r) => r.send({ description: 'Reads' }));
    await call('DELETE', '/api/roles/:id', { id: role.body.role.id });
    const imported = await call('POST', '/api/rules/import', {}, (r) => r.attach('file', RULES_NFO));
    const { section, year, scene, title, body, limits } = imported.body.rule;
    const rule = await call('POST', '/api/rules', {}, (r) => r.send({ section, year: year + 1, scene, title, body, limits }));
    await call('GET', '/api/rules');
    await call('GET', '/api/rules/:id', { id: rule.body.rule.id });
    await call('PATCH', '/api/rules/:id', { id: rule.body.rule.id }, (r) => r.send({ title: 'Renamed' }));
    await call('DELETE', '/api/rules/:id', { id: rule.body.rule.id });
    const template = await call('POST', '/api/templates', {}, (r) => r.send({ name: 'Plain', body: '{{title}} by {{authors}}' }));
    await call('GET', '/api/templates');
    await call('GET', '/api/templates/:id', { id: template.body.template.id });
    await call('PATCH', '/api/templates/:id', { id: template.body.template.id }, (r) => r.send({ description: 'Short' }));
    await call('POST', '/api/templates/preview', {}, (r) => r.send({ body: '{{title}}' }));
    await call('POST', '/api/templates/:id/preview', { id: template.body.template.id }, (r) => r.send({}));
    await call('DELETE', '/api/templates/:id', { id: template.body.template.id });
    const destination = await call('POST', '/api/destinations', {}, (r) => r.send({ name: 'Nowhere', protocol: 'ftp', host: '127.0.0.1', port: 1, username: 'u', secret: 'never shown', remotePath: '/in' }));
    const destinationId = destination.body.destination.id;
    await call('GET', '/api/destinations');
    await call('GET', '/api/destinations/:id', { id: destinationId });
    await call('PATCH', '/api/destinations/:id', { id: destinationId }, (r) => r.send({ enabled: true }));
    await call('POST', '/api/destinations/:id/test', { id: destinationId });
    const group = await call('POST', '/api/groups', {}, (r) => r.send({ tag: 'OAPI', name: 'OpenAPI group', memberIds: [admin.user.id] }));
    await call('GET', '/api/groups');
    await call('GET', '/api/groups/:id', { id: group.body.group.id });
    await call('PATCH', '/api/groups/:id', { id: group.body.group.id }, (r) => r.send({ name: 'Renamed group' }));
    await call('DELETE', '/api/groups/:id', { id: group.body.group.id });
    const webhook = await call('POST', '/api/notifications/webhooks', {}, (r) => r.send({ name: 'Chat', kind: 'slack', url: 'https://hooks.example.com/services/x' }));
    await call('GET', '/api/notifications/webhooks');
    await call('GET', '/api/notifications/webhooks/:id', { id: webhook.body.webhook.id });
    await call('PATCH', '/api/notifications/webhooks/:id', { id: webhook.body.webhook.id }, (r) => r.send({ enabled: false }));
    await call('DELETE', '/api/notifications/webhooks/:id', { id: webhook.body.webhook.id });
    await call('GET', '/api/configurations');
    await call('PUT', '/api/configurations/:key', { key: 'pack.defaultRuleId' }, (r) => r.send({ value: imported.body.rule.id }));
    await call('GET', '/api/configurations/:key', { key: 'pack.defaultRuleId' });
    await call('DELETE', '/api/configurations/:key', { key: 'pack.defaultRuleId' });

    // Uploads and a release packed to done by the real worker.
    const book = path.join(app.dataDir, 'spec.epub');
    await writeEpub(book, { title: 'The Spec Book', publisher: 'Spec House', date: '2020-01-01' });
    const upload = await call('POST', '/api/uploads', {}, (r) => r.attach('file', book));
    const uploadId = upload.body.upload.id;
    await call('GET', '/api/uploads');
    await call('GET', '/api/uploads/:id', { id: uploadId });
    await call('GET', '/api/uploads/by-sha256/:sha256', { sha256: upload.body.upload.sha256 });
    await waitFor('the upload to be inspected', async () => (await app.http.get(`/api/uploads/${uploadId}`).set('Authorization', `Bearer ${admin.token}`)).body.upload.status === 'inspected');
    const options = { group: 'ESP', proofUrl: 'https://www.example.com/spec-book' };
    await call('POST', '/api/releases/preview', {}, (r) => r.send({ uploadId, options }));
    const requested = await call('POST', '/api/releases', {}, (r) => r.send({ uploadId, options }));
    const id = requested.body.release.id;
    const state = async () => (await app.http.get(`/api/releases/${id}`).set('Authorization', `Bearer ${admin.token}`)).body.release;
    await waitFor('the release to be done', async () => (await state()).state === 'done', 90_000, state);
    await call('GET', '/api/releases', {}, (r) => r.query({ state: 'done' }));
    const done = await call('GET', '/api/releases/:id', { id });
    await call('GET', '/api/releases/:id/files/:name', { id, name: done.body.release.files[0].fileName });
    await call('GET', '/api/releases/:id/archive', { id }, (r) => r.buffer(true).parse((res, done) => res.on('data', () => {}).on('end', () => done(null, null))));
    await call('GET', '/api/releases/:id/preview', { id });
    await call('GET', '/api/releases/:id/validation', { id });
    await call('PATCH', '/api/releases/:id', { id }, (r) => r.send({ title: 'Not in review' }));
    await call('POST', '/api/releases/:id/rematch', { id }, (r) => r.send({ title: 'Not in review' }));
    await call('POST', '/api/releases/:id/approve', { id });
    await call('POST', '/api/releases/:id/retry', { id });
    await call('POST', '/api/releases/:id/distributions/:destinationId', { id, destinationId });
    // The follow-up inherits the destination; disabled, its delivery fails at once instead of
    // retrying against the closed port, so the follow-up is never mid-upload when deleted.
    await app.http.patch(`/api/destinations/${destinationId}`).set('Authorization', `Bearer ${admin.token}`).send({ enabled: false }).expect(200);
    const followUp = await call('POST', '/api/releases/:id/follow-ups', { id }, (r) => r.send({ kind: 'NFOFiX', reason: 'typo in the NFO' }));
    const followUpId = followUp.body.release.id;
    await waitFor('the follow-up to be done and its delivery refused', async () => {
      const r = (await app.http.get(`/api/releases/${followUpId}`).set('Authorization', `Bearer ${admin.token}`)).body.release;
      return r.state === 'done' && r.distributions.every((d: { state: string }) => d.state === 'failed');
    }, 90_000);
    await call('POST', '/api/releases/:id/cancel', { id: followUpId });
    await call('DELETE', '/api/releases/:id', { id: followUpId });
    await call('GET', '/api/jobs/:queue/:id', { queue: 'upload', id: `inspect-upload-${uploadId}` });
    await call('GET', '/api/stats');
    await call('DELETE', '/api/destinations/:id', { id: destinationId });

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi');
    const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
    const problems: unknown[] = [];
    for (const { method, route, res } of answers) {
      const op = doc.paths[specPath(route)]?.[method.toLowerCase()];
      const status = op?.responses[String(res.status)] ? String(res.status) : 'default';
      const declared = op?.responses[status]?.content ?? {};
      const type = String(res.headers['content-type'] ?? '').split(';')[0];
      if (!op || (res.status !== 204 && !(type in declared))) {
        problems.push({ method, route, status: res.status, type, declared: Object.keys(declared) });
        continue;
      }
      if (type !== 'application/json') continue;
      const validate = ajv.getSchema(`openapi#/${pointer('paths', specPath(route), method.toLowerCase(), 'responses', status, 'content', type, 'schema')}`)!;
      if (!validate(res.body)) problems.push({ method, route, status: res.status, errors: validate.errors?.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`), body: JSON.stringify(res.body).slice(0, 300) });
    }
    expect(problems).toEqual([]);
    // Every described operation was called once, and most answered with success.
    const called = new Set(answers.map((a) => `${a.method} ${specPath(a.route)}`));
    const described = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(described.filter((d) => !called.has(d))).toEqual([]);
    // Error answers only where the call was meant to get one (validated against the error shape above).
    expect(answers.filter((a) => a.res.status >= 300).map((a) => `${a.method} ${a.route} ${a.res.status} ${a.res.body?.error?.code}`)).toEqual([
      'GET /api/events 401 INVALID_TOKEN',
      'PATCH /api/releases/:id 409 NOT_IN_REVIEW',
      'POST /api/releases/:id/rematch 409 NOT_IN_REVIEW',
      'POST /api/releases/:id/approve 409 NOT_IN_REVIEW',
      'POST /api/releases/:id/retry 409 NOT_RETRYABLE',
      'POST /api/releases/:id/cancel 409 NOT_CANCELLABLE',
    ]);
  }, 180_000);

  it('would catch an answer that breaks the document (the check can fail)', () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    ajv.addSchema(doc, 'openapi');
    const validate = ajv.getSchema('openapi#/components/schemas/Release')!;
    expect(validate({ id: 'not-a-uuid', state: 'packed' })).toBe(false);
    expect(ajv.getSchema('openapi#/components/schemas/Error')!({ error: { code: 'X', message: 'm' } })).toBe(false);
  });

  it('serves the interactive reference from this server only, rendering the document under the CSP', async () => {
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const foreign: string[] = [];
      const violations: string[] = [];
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) foreign.push(r.url());
      });
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${base}/api/docs`);
      await page
        .getByText('Database and Redis status', { exact: false })
        .first()
        .waitFor({ state: 'attached', timeout: 60_000 })
        .catch(async (err) => {
          throw new Error(`${err}\n${violations.join('\n')}\n${(await page.innerText('body')).slice(0, 3000)}`);
        });
      await page.getByText('releases', { exact: true }).first().waitFor({ state: 'attached' });
      // Scalar's optional online features (its API registry) are refused by the CSP: nothing leaves this server.
      expect(violations.every((v) => /scalar\.com/.test(v))).toBe(true);
      expect(foreign).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
