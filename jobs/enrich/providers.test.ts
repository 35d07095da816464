import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRedis, Redis } from '../../lib/redis';
import { startReplayServer, ReplayServer } from '../../test/support/replay-server';
import { createTestEnv, TestEnv } from '../../test/support/test-env';
import { createProviders, lookUp } from './providers';

/** Provider clients against recorded answers on a local server, with real Redis for cache and limits. */
let replay: ReplayServer;
let redis: Redis;
const envs: TestEnv[] = [];

beforeAll(async () => {
  replay = await startReplayServer();
});
afterAll(async () => {
  redis?.disconnect();
  await replay.close();
  await Promise.all(envs.map((e) => e.cleanup()));
});

async function lookup(query: { isbn?: string; title?: string; author?: string }, env: NodeJS.ProcessEnv = {}) {
  const testEnv = await createTestEnv({
    OPENLIBRARY_BASE_URL: replay.baseUrl('openlibrary'),
    GOOGLE_BOOKS_BASE_URL: replay.baseUrl('googlebooks'),
    PROVIDER_CACHE_TTL_SECONDS: '0',
    ...env,
  });
  envs.push(testEnv);
  redis ??= createRedis(testEnv.config, 'worker');
  const { books, cache } = createProviders(testEnv.config, redis);
  return { outcomes: await lookUp(books, cache, query), again: () => lookUp(books, cache, query) };
}

const tieInBases = () => ({
  OMDB_BASE_URL: replay.baseUrl('omdb'),
  TMDB_BASE_URL: replay.baseUrl('tmdb'),
  TVDB_BASE_URL: replay.baseUrl('tvdb'),
  PROVIDER_CACHE_TTL_SECONDS: '0',
});

const byProvider = <T extends { provider: string }>(outcomes: T[]): Record<string, T> => Object.fromEntries(outcomes.map((o) => [o.provider, o]));

describe('book providers', () => {
  // The recordings' ISBN-10s (0547928227, 0980200440) fail the check digit; records carry the
  // ISBN-10 derived from the valid ISBN-13 instead.
  it('ISBN hit on Google Books, miss on OpenLibrary', async () => {
    const { outcomes } = await lookup({ isbn: '9780547928227' });
    expect(byProvider(outcomes)).toEqual({
      googlebooks: {
        provider: 'googlebooks',
        status: 'found',
        cached: false,
        record: expect.objectContaining({ id: 'hobbit_test_id', title: 'The Hobbit', authors: ['J.R.R. Tolkien'], isbn13: '9780547928227', isbn10: '054792822X' }),
      },
      openlibrary: { provider: 'openlibrary', status: 'not_found', cached: false },
    });
    expect(replay.requests).toContain('https://www.googleapis.com/books/v1/volumes?country=us&q=isbn:9780547928227&maxResults=3');
  });

  it('ISBN hit on OpenLibrary (edition + work description), "no items" miss on Google Books', async () => {
    const { outcomes } = await lookup({ isbn: '9780980200447' });
    const found = byProvider(outcomes);
    expect(found.googlebooks.status).toBe('not_found');
    expect(found.openlibrary).toMatchObject({
      status: 'found',
      record: {
        title: 'Slow reading',
        subtitle: 'harnessing the power of print in the digital age',
        authors: ['John Miedema'],
        publisher: 'Litwin Books',
        year: 2009,
        pages: 92,
        isbn13: '9780980200447',
        isbn10: '098020044X',
        coverUrl: 'https://covers.openlibrary.org/b/id/5546156-L.jpg',
      },
    });
    expect((found.openlibrary as unknown as { record: { description: string } }).record.description).toMatch(/^A practical guide to the art of slow reading/);
  });

  it('searches by title and author when there is no ISBN, and picks the matching work of an ambiguous search', async () => {
    const { outcomes } = await lookup({ title: 'Tales from Earthsea', author: 'Ursula K. Le Guin' });
    expect(byProvider(outcomes).googlebooks).toMatchObject({
      status: 'found',
      record: { title: 'Tales from Earthsea', year: 2001, publisher: 'Harcourt', language: 'en', pages: 314, isbn13: '9780152047641' },
    });
    // OpenLibrary answers a study guide and another Earthsea book first; the exact work is chosen.
    expect(byProvider(outcomes).openlibrary).toMatchObject({
      status: 'found',
      record: { id: '/works/OL59864W', title: 'Tales from Earthsea', authors: ['Ursula K. Le Guin'], year: 2001, isbn13: '9780152047641', coverUrl: 'https://covers.openlibrary.org/b/id/8231856-L.jpg' },
    });
  });

  it('retries a 429 honouring Retry-After, then succeeds', async () => {
    replay.script('isbn:9780547928227', (_req, res, count) => {
      if (count > 2) return false;
      res.writeHead(429, { 'Retry-After': '0' }).end();
      return true;
    });
    const { outcomes } = await lookup({ isbn: '9780547928227' }, { PROVIDER_RETRIES: '2' });
    expect(byProvider(outcomes).googlebooks.status).toBe('found');
    expect(replay.requests.filter((u) => u.includes('isbn:9780547928227')).length).toBeGreaterThanOrEqual(3);
  });

  it('reports a timeout, malformed JSON and an unreachable provider without failing the lookup', async () => {
    replay.script('ISBN:9780980200447', (_req, res) => {
      setTimeout(() => res.writeHead(200).end('{}'), 1500);
      return true;
    });
    replay.script('isbn:9780980200447', (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind": "books#volumes", "items": [');
      return true;
    });
    const { outcomes } = await lookup({ isbn: '9780980200447' }, { PROVIDER_TIMEOUT_MS: '300' });
    expect(byProvider(outcomes)).toEqual({
      openlibrary: { provider: 'openlibrary', status: 'failed', reason: 'openlibrary: no answer within 300 ms' },
      googlebooks: { provider: 'googlebooks', status: 'failed', reason: 'googlebooks: the answer is not valid JSON' },
    });
    const down = await lookup({ isbn: '9780547928227' }, { OPENLIBRARY_BASE_URL: 'http://127.0.0.1:9/x' });
    expect(byProvider(down.outcomes)).toMatchObject({ openlibrary: { status: 'failed', reason: 'openlibrary: unreachable' }, googlebooks: { status: 'found' } });
  });

  it('answers repeated lookups (hits and misses) from the Redis cache with zero HTTP calls', async () => {
    const { outcomes, again } = await lookup({ isbn: '9780547928227' }, { PROVIDER_CACHE_TTL_SECONDS: '600' });
    expect(outcomes.every((o) => 'cached' in o && !o.cached)).toBe(true);
    const before = replay.requests.length;
    const second = await again();
    expect(replay.requests.length).toBe(before);
    expect(byProvider(second)).toMatchObject({ googlebooks: { status: 'found', cached: true }, openlibrary: { status: 'not_found', cached: true } });
  });

  it('looks up a film tie-in in OMDb and TMDB by IMDb id; TheTVDB logs in and has no such series', async () => {
    const testEnv = await createTestEnv({ OMDB_API_KEY: 'k', TMDB_API_KEY: '8964', TVDB_API_KEY: 'tvdb-key', ...tieInBases() });
    envs.push(testEnv);
    const { tieIns, cache } = createProviders(testEnv.config, redis);
    const outcomes = byProvider(await lookUp(tieIns, cache, { imdbId: 'tt1375666' }));
    expect(outcomes.omdb).toMatchObject({ status: 'found', record: { title: 'Inception', year: 2010, kind: 'movie', makers: ['Christopher Nolan'], imdbId: 'tt1375666' } });
    expect((outcomes.omdb as { record: { posterUrl?: string } }).record.posterUrl).toBeUndefined();
    expect(outcomes.tmdb).toMatchObject({ status: 'found', record: { id: '27205', title: 'Inception', year: 2010, makers: ['Christopher Nolan'], imdbId: 'tt1375666' } });
    expect(outcomes.tvdb).toMatchObject({ status: 'not_found' });
    const series = byProvider(await lookUp(tieIns, cache, { title: 'Doctor Who', kind: 'series' }));
    expect(series.tvdb).toMatchObject({ status: 'found', record: { id: '76107', title: 'Doctor Who (1963)', year: 1963, imdbId: 'tt0056751' } });
    // One login served both searches: the token is kept in Redis.
    expect(replay.requests.filter((u) => u.endsWith('/v4/login'))).toHaveLength(1);
    const missing = byProvider(await lookUp(tieIns, cache, { title: 'No Such Film', year: 1999 }));
    expect(missing.omdb).toMatchObject({ status: 'not_found' });
  });

  it('skips providers without a key and says so; a refused TheTVDB login is reported', async () => {
    const noKeys = await createTestEnv(tieInBases());
    envs.push(noKeys);
    const { tieIns, cache } = createProviders(noKeys.config, redis);
    expect(await lookUp(tieIns, cache, { imdbId: 'tt1375666' })).toEqual([
      { provider: 'omdb', status: 'skipped', reason: 'no OMDB_API_KEY configured' },
      { provider: 'tmdb', status: 'skipped', reason: 'no TMDB_API_KEY configured' },
      { provider: 'tvdb', status: 'skipped', reason: 'no TVDB_API_KEY configured' },
    ]);
    replay.script('/v4/login', (_req, res) => {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"status":"failure","message":"Unauthorized"}');
      return true;
    });
    const wrongKey = await createTestEnv({ TVDB_API_KEY: 'wrong', ...tieInBases() });
    envs.push(wrongKey);
    const refused = createProviders(wrongKey.config, redis);
    expect(byProvider(await lookUp(refused.tieIns, refused.cache, { title: 'Doctor Who' })).tvdb).toEqual({
      provider: 'tvdb',
      status: 'failed',
      reason: 'tvdb: login refused (check TVDB_API_KEY and TVDB_PIN)',
    });
  });

  it("stops asking OMDb once its daily quota is used up, across processes' shared counter, and says so", async () => {
    const testEnv = await createTestEnv({ ...tieInBases(), OMDB_API_KEY: 'k', PROVIDER_DAILY_QUOTAS: 'omdb=2', PROVIDER_CACHE_TTL_SECONDS: '600' });
    envs.push(testEnv);
    redis ??= createRedis(testEnv.config, 'worker');
    // Two clients built apart, as two workers would: the count is Redis's, not a process's.
    const first = createProviders(testEnv.config, redis);
    const second = createProviders(testEnv.config, redis);
    const omdbCalls = () => replay.requests.filter((u) => u.includes('omdbapi')).length;
    const before = omdbCalls();
    expect(byProvider(await lookUp(first.tieIns, first.cache, { imdbId: 'tt1375666' })).omdb).toMatchObject({ status: 'found' });
    expect(byProvider(await lookUp(second.tieIns, second.cache, { title: 'No Such Film', year: 1999 })).omdb).toMatchObject({ status: 'not_found' });
    const refused = byProvider(await lookUp(second.tieIns, second.cache, { title: 'Inception', year: 2010 })).omdb;
    expect(refused).toEqual({ provider: 'omdb', status: 'failed', reason: 'omdb: the daily quota of 2 requests is used up; it renews at 00:00 UTC' });
    expect(omdbCalls() - before).toBe(2);
    // A cached answer costs no quota.
    expect(byProvider(await lookUp(first.tieIns, first.cache, { imdbId: 'tt1375666' })).omdb).toMatchObject({ status: 'found', cached: true });
  });

  it('holds a per-provider rate limit across two worker processes', async () => {
    const testEnv = await createTestEnv({ PROVIDER_RATE_LIMITS: 'openlibrary=5' });
    envs.push(testEnv);
    const script = `
      const { RateLimiter } = require(${JSON.stringify(path.resolve(__dirname, 'providers/rate-limiter.ts'))});
      const IORedis = require('ioredis');
      const redis = new IORedis(process.env.REDIS_URL);
      const limiter = new RateLimiter(redis, { redis: { prefix: process.env.QUEUE_PREFIX } }, { perSecond: { openlibrary: 5 }, perDay: {} });
      (async () => { const times = []; for (let i = 0; i < 10; i++) { await limiter.acquire('openlibrary'); times.push(Date.now()); } console.log(JSON.stringify(times)); redis.disconnect(); })();`;
    // From the sources (never a possibly stale dist/), like the worker processes of the other suites.
    const run = () => promisify(execFile)(process.execPath, ['-r', '@swc-node/register', '-e', script], { env: testEnv.env, cwd: path.resolve(__dirname, '../..') });
    const [a, b] = await Promise.all([run(), run()]);
    const times = ([...JSON.parse(a.stdout), ...JSON.parse(b.stdout)] as number[]).sort((x, y) => x - y);
    // Five grants a one-second window: any eleven grants span three windows, so more than a second
    // apart, and all twenty span four, so more than two seconds. A grant is recorded a little after it is
    // given (never before), by as much as a busy machine delays a process (792 ms seen for 1000), so
    // each bound allows 400 ms for that; without the limit all twenty come within milliseconds.
    for (let i = 0; i + 10 < times.length; i++) expect(times[i + 10] - times[i]).toBeGreaterThan(600);
    expect(times[times.length - 1] - times[0]).toBeGreaterThan(1600);
  });
});
