import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { bindModels } from '../db/models';
import { startTestApp, TestApp } from '../test/support/test-app';
import { APP_SESSION_COOKIE } from './middleware/session-cookie';

/**
 * API rate limits with budgets made small for the test: per user (token subject) and per
 * address, reads, writes and uploads counted apart, in Redis shared by every API process.
 */
let app: TestApp;
let other: TestApp;
let addresses = 0;
const newAddress = () => `203.0.113.${++addresses}`;
const LIMITS = { RATE_LIMIT_PER_USER: 'read=4,write=3,upload=2', RATE_LIMIT_PER_IP: 'read=6,write=100,upload=100', RATE_LIMIT_WINDOW_SECONDS: '60' };

beforeAll(async () => {
  app = await startTestApp(LIMITS);
  // A second API process of the same deployment: same database, keys and Redis prefix.
  const shared = { DATABASE_URL: app.env.DATABASE_URL, QUEUE_PREFIX: app.env.QUEUE_PREFIX, JWT_SECRET_KEY: app.config.secrets.jwtSecret, SECRET_KEY: app.config.secrets.secretKey };
  other = await startTestApp({ ...LIMITS, ...shared }, { migrate: false });
});
afterAll(async () => {
  await other.close();
  await app.close();
});

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function expectLimited(res: { status: number; body: { error?: { code: string; requestId?: string } }; headers: Record<string, string> }): void {
  expect(res.status).toBe(429);
  expect(res.body.error).toMatchObject({ code: 'RATE_LIMITED', requestId: expect.any(String) });
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

it('counts a user across addresses and API processes, and refuses past the read budget', async () => {
  const { token } = await app.createUser('operator');
  const statuses = [];
  for (let i = 0; i < 4; i++) {
    const server = i % 2 ? other : app;
    statuses.push((await server.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', newAddress())).status);
  }
  expect(statuses).toEqual([200, 200, 200, 200]);
  expectLimited(await other.http.get('/api/uploads').set(bearer(token)).set('X-Forwarded-For', newAddress()));
  // Another user is not affected.
  const { token: second } = await app.createUser('operator');
  expect((await app.http.get('/api/releases').set(bearer(second)).set('X-Forwarded-For', newAddress())).status).toBe(200);
});

it("counts a web app session (cookie) against its user's budget, as a bearer token", async () => {
  const { token } = await app.createUser('operator');
  const cookie = { Cookie: `${APP_SESSION_COOKIE}=${token}` };
  for (let i = 0; i < 4; i++) expect((await app.http.get('/api/releases').set(cookie).set('X-Forwarded-For', newAddress())).status).toBe(200);
  expectLimited(await app.http.get('/api/releases').set(cookie).set('X-Forwarded-For', newAddress()));
  expectLimited(await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', newAddress()));
});

it('gives writes and uploads budgets of their own', async () => {
  const { token } = await app.createUser('operator');
  const from = newAddress();
  for (let i = 0; i < 4; i++) expect((await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', from)).status).toBe(200);
  expectLimited(await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', from));

  // Reads are spent; writes still pass (validation answers 400, not 429) until their budget is spent.
  for (let i = 0; i < 3; i++) expect((await app.http.post('/api/releases').set(bearer(token)).set('X-Forwarded-For', from).send({})).status).toBe(400);
  expectLimited(await app.http.post('/api/releases').set(bearer(token)).set('X-Forwarded-For', from).send({}));

  const book = path.join(app.dataDir, 'tiny.epub');
  fs.writeFileSync(book, 'not really a book');
  for (let i = 0; i < 2; i++) {
    expect((await app.http.post('/api/uploads').set(bearer(token)).set('X-Forwarded-For', from).attach('file', book)).status).toBeLessThan(429);
  }
  // Refused before its body is read. Sent from memory: an attached file is read from disk while the
  // refusal may already be back, and writing the rest of it then fails (EPIPE), now and then.
  expectLimited(await app.http.post('/api/uploads').set(bearer(token)).set('X-Forwarded-For', from).attach('file', Buffer.from('not really a book'), 'tiny.epub'));
});

it('limits an address without a token, and tokens that do not verify count by address only', async () => {
  const from = newAddress();
  for (let i = 0; i < 6; i++) expect((await app.http.get('/api/releases').set('X-Forwarded-For', from).set(bearer('forged.token.value'))).status).toBe(401);
  expectLimited(await app.http.get('/api/releases').set('X-Forwarded-For', from));
  // The address budget holds for a valid user too.
  const { token } = await app.createUser('operator');
  expectLimited(await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', from));
  expect((await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', newAddress())).status).toBe(200);
});

it("charges the address first: a request its budget refuses costs the user's budget nothing", async () => {
  const from = newAddress();
  for (let i = 0; i < 6; i++) expect((await app.http.get('/api/releases').set('X-Forwarded-For', from)).status).toBe(401);
  const { token } = await app.createUser('operator');
  for (let i = 0; i < 3; i++) expectLimited(await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', from));
  // The user's four reads are all still there, from other addresses.
  for (let i = 0; i < 4; i++) expect((await other.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', newAddress())).status).toBe(200);
  expectLimited(await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', newAddress()));
});

it("spends both budgets and reads the bearer token's revocation in one Redis command", async () => {
  const { token } = await app.createUser('operator');
  const from = newAddress();
  // The first call may load the script (EVALSHA, then EVAL once): counted from the second.
  expect((await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', from)).status).toBe(200);
  const redis = app.context.redis;
  const send = redis.sendCommand;
  const ours: { name: string; args: string[] }[] = [];
  redis.sendCommand = function (this: typeof redis, ...args: Parameters<typeof send>) {
    const [command] = args;
    const words = command.args.map(String);
    if (words.some((w) => w.startsWith(`${app.config.redis.prefix}:`))) ours.push({ name: command.name, args: words });
    return send.apply(this, args);
  } as typeof send;
  try {
    expect((await app.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', from)).status).toBe(200);
  } finally {
    redis.sendCommand = send;
  }
  expect(ours.map((c) => c.name)).toEqual(['evalsha']);
  const { jti } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string };
  expect(ours[0].args).toEqual(expect.arrayContaining([expect.stringMatching(/:rl:api-ip-read:/), expect.stringMatching(/:rl:api-user-read:/), `${app.config.redis.prefix}:revoked-jti:${jti}`]));
});

it('keeps refusing past the budgets while Redis is unreachable, counting in each process', async () => {
  const offline = await startTestApp({ ...LIMITS, REDIS_URL: 'redis://127.0.0.1:9/0' });
  try {
    const { token } = await offline.createUser('operator');
    for (let i = 0; i < 4; i++) expect((await offline.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', newAddress())).status).toBe(200);
    expectLimited(await offline.http.get('/api/releases').set(bearer(token)).set('X-Forwarded-For', newAddress()));
    const from = newAddress();
    for (let i = 0; i < 6; i++) expect((await offline.http.get('/api/releases').set('X-Forwarded-For', from)).status).toBe(401);
    expectLimited(await offline.http.get('/api/releases').set('X-Forwarded-For', from));
  } finally {
    await offline.close();
    bindModels(app.context.db);
  }
});

it('counts HEAD and OPTIONS as reads, and names the budget spent', async () => {
  for (const method of ['head', 'options'] as const) {
    const from = newAddress();
    for (let i = 0; i < 6; i++) expect((await app.http[method]('/api/releases').set('X-Forwarded-For', from)).status).toBeLessThan(429);
    const res = await app.http.get('/api/releases').set('X-Forwarded-For', from);
    expectLimited(res);
    expect(res.body.error.message).toBe('Too many read requests; slow down');
  }
});

it('counts an upload to /api/uploads/ (trailing slash) against the upload budget', async () => {
  const { token } = await app.createUser('operator');
  const from = newAddress();
  const book = path.join(app.dataDir, 'slash.epub');
  fs.writeFileSync(book, 'not really a book either');
  for (let i = 0; i < 2; i++) expect((await app.http.post('/api/uploads/').set(bearer(token)).set('X-Forwarded-For', from).attach('file', book)).status).toBeLessThan(429);
  const res = await app.http.post('/api/uploads').set(bearer(token)).set('X-Forwarded-For', from).attach('file', Buffer.from('not really a book either'), 'slash.epub');
  expectLimited(res);
  expect(res.body.error.message).toBe('Too many upload requests; slow down');
});

it('leaves /health unlimited', async () => {
  for (let i = 0; i < 8; i++) expect([200, 503]).toContain((await app.http.get('/health')).status);
});

it('refuses malformed budgets at start, naming the setting', () => {
  expect(() => loadConfig({ ...app.env, RATE_LIMIT_PER_USER: 'read=0,reads=5', RATE_LIMIT_PER_IP: 'upload=many' })).toThrow(
    /RATE_LIMIT_PER_USER: "read=0"[\s\S]*RATE_LIMIT_PER_USER: "reads=5"[\s\S]*RATE_LIMIT_PER_IP: "upload=many"/,
  );
  // A partial setting keeps the other classes' defaults.
  expect(loadConfig({ ...app.env, RATE_LIMIT_PER_USER: 'upload=7' }).limits.perUser).toEqual({ read: 3000, write: 600, upload: 7 });
});
