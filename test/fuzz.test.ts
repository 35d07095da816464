import path from 'node:path';
import fc from 'fast-check';
import { createApp } from '../api/app';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { Group } from '../db/models';
import { FuzzAnswer, FuzzCase, fuzzCases, loadCorpus, send } from './fuzz/fuzz-cases';
import { MountedRoute, mountedRoutes } from './support/route-table';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Every mounted route gets generated bad input (junk path parameters, query strings, JSON bodies,
 * content types), as an admin (so requests reach the handlers) and anonymously. No answer may be
 * a 5xx, every 4xx has the JSON error shape, and the API still answers /health at the end. The
 * seed corpus in test/fuzz/corpus is replayed first; FUZZ_SEED and FUZZ_RUNS vary the run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 18);
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const TIME_LIMIT_MS = 12_000;

let app: TestApp;
let routes: MountedRoute[];
let token: string;
const fixtures: Record<string, string> = {};

beforeAll(async () => {
  app = await startTestApp();
  const admin = await app.createUser('admin');
  token = admin.token;
  const victim = await app.createUser('operator');
  const as = { Authorization: `Bearer ${token}` };
  const created = async (url: string, body: object, key: string) => {
    const res = await app.http.post(url).set(as).send(body);
    if (res.status !== 201) throw new Error(`fixture ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return String(res.body[key].id);
  };
  // Never the admin's own id: disabling the fuzzing account would end the run early.
  fixtures.userId = String(victim.user.id);
  fixtures.groupId = String((await Group.query().findOne({ tag: 'ESP' }))!.id);
  fixtures.templateId = await created('/api/templates', { name: 'fuzz', body: '{{title}}' }, 'template');
  fixtures.roleId = await created('/api/roles', { name: 'fuzzed', permissions: [] }, 'role');
  fixtures.destinationId = await created('/api/destinations', { name: 'closed port', protocol: 'ftp', host: '127.0.0.1', port: 9, username: 'u', secret: 'p', remotePath: '/in' }, 'destination');
  const rules = await app.http.post('/api/rules/import').set(as).attach('file', path.join(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo'));
  fixtures.ruleId = String(rules.body.rule.id);
  const book = path.join(app.dataDir, 'fuzz.epub');
  await writeEpub(book);
  fixtures.uploadId = (await app.http.post('/api/uploads').set(as).attach('file', book)).body.upload.id;
  fixtures.releaseId = (await app.http.post('/api/releases').set(as).send({ uploadId: fixtures.uploadId, options: { group: 'ESP' } })).body.release.id;
  routes = mountedRoutes(createApp(app.context));
}, 120_000);
afterAll(() => app.close());

const pollutionBefore = Object.getOwnPropertyNames(Object.prototype).sort();

function expectWellFormed(c: FuzzCase, answer: FuzzAnswer): void {
  const what = `${c.method} ${c.path}${c.query ? `?${c.query}` : ''} (${c.auth}, ${c.contentType ?? 'no type'}): ${answer.status} ${answer.text.slice(0, 300)}`;
  if (answer.status >= 500 || answer.status < 100) throw new Error(`server error for ${what}`);
  if (answer.status < 400) return;
  // The console is a browser UI; its refusals may be pages or redirects, the API's are JSON.
  if (c.path.startsWith('/admin') && !answer.contentType.includes('json')) return;
  let error: { code?: unknown; message?: unknown; requestId?: unknown } | undefined;
  try {
    error = JSON.parse(answer.text).error;
  } catch {
    throw new Error(`not JSON: ${what}`);
  }
  if (typeof error?.code !== 'string' || typeof error.message !== 'string' || typeof error.requestId !== 'string') throw new Error(`bad error shape: ${what}`);
  if (/\bat .+\.(ts|js):\d+/.test(answer.text)) throw new Error(`stack trace in answer: ${what}`);
}

async function run(c: FuzzCase): Promise<void> {
  const port = (app.server.address() as { port: number }).port;
  expectWellFormed(c, await send(port, c, token, fixtures));
}

it('sees every route of the app', () => {
  expect(routes.length).toBeGreaterThan(50);
  expect(routes).toContainEqual({ method: 'POST', path: '/api/uploads' });
  expect(routes).toContainEqual({ method: 'PUT', path: '/api/configurations/:key' });
});

it('replays the seed corpus without a server error', async () => {
  const corpus = loadCorpus();
  expect(corpus.length).toBeGreaterThan(20);
  const failures: string[] = [];
  for (const c of corpus) await run(c).catch((err: Error) => failures.push(`${c.file}: ${err.message}`));
  expect(failures).toEqual([]);
});

describe.each(['admin', 'anonymous'] as const)('generated bad input (%s)', (auth) => {
  it('never answers 5xx and always with the error shape', async () => {
    const fixtureIds = Object.values(fixtures).filter((v) => v !== undefined);
    await fc.assert(
      fc.asyncProperty(fuzzCases(routes, fixtureIds, auth), (c) => run(c)),
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
  }, 120_000);
});

it('leaves the API healthy and Object.prototype untouched', async () => {
  expect((await app.http.get('/health')).status).toBe(200);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pollutionBefore);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
