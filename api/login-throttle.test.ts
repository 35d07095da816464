import supertest from 'supertest';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';
import { loginLockouts } from '../lib/metrics';
import { accountTag } from './services/login-guard';

/**
 * Password guessing on POST /api/auth/login and the console's POST /admin/login: a lock per
 * account and address after 3 failures (2 s, doubling, at most 4 s here), a cap of 12 failures per
 * address, 429 with Retry-After, and an admin who can lift a lock.
 */
let app: TestApp;
let admin: { token: string; id: number; email: string };
let addresses = 0;
/** A fresh client address per test (the app trusts X-Forwarded-For from loopback, as behind nginx). */
const newAddress = () => `198.51.100.${++addresses}`;

beforeAll(async () => {
  app = await startTestApp({
    LOGIN_LOCK_AFTER_FAILURES: '3',
    LOGIN_LOCK_SECONDS: '2',
    LOGIN_LOCK_MAX_SECONDS: '4',
    LOGIN_IP_MAX_FAILURES: '12',
    LOGIN_IP_WINDOW_SECONDS: '60',
  });
  const created = await app.createUser('admin');
  admin = { token: created.token, id: created.user.id, email: created.user.email };
});
afterAll(() => app.close());

const login = (email: string, password: string, from: string) => app.http.post('/api/auth/login').set('X-Forwarded-For', from).send({ email, password });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** esp_login_lockouts_total for one kind (the counter is the process's, shared by every test of the file). */
const lockouts = async (kind: 'account' | 'address') => (await loginLockouts.get()).values.find((v) => v.labels.kind === kind)?.value ?? 0;

async function failTimes(n: number, email: string, from: string): Promise<void> {
  for (let i = 0; i < n; i++) expect((await login(email, 'wrong password', from)).status).toBe(401);
}

function expectLocked(res: supertest.Response, code = 'ACCOUNT_LOCKED'): number {
  expect(res.status).toBe(429);
  expect(res.body.error).toMatchObject({ code, requestId: expect.any(String) });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  return retryAfter;
}

describe('login lock-out', () => {
  it('locks the account for the guessing address only, even against the right password', async () => {
    const { user } = await app.createUser('operator');
    const attacker = newAddress();
    const before = await lockouts('account');
    await failTimes(3, user.email, attacker);
    expect(await lockouts('account')).toBe(before + 1);
    const locked = await login(user.email, TEST_PASSWORD, attacker);
    expectLocked(locked);
    expect(locked.body.error.message).toBe('This account is locked for a while after repeated failed logins');
    // The real user elsewhere is not locked out.
    expect((await login(user.email, TEST_PASSWORD, newAddress())).status).toBe(200);
  });

  it('counts guesses at one account however its address is spelled (case, spaces)', async () => {
    const { user } = await app.createUser('operator');
    const attacker = newAddress();
    const spellings = [user.email.toUpperCase(), ` ${user.email} `, user.email.replace(/^./, (c) => c.toUpperCase())];
    for (const spelling of spellings) expect((await login(spelling, 'wrong password', attacker)).status).toBe(401);
    expectLocked(await login(user.email, TEST_PASSWORD, attacker));
  });

  it('grows with each lock and stays bounded', async () => {
    const { user } = await app.createUser('operator');
    const from = newAddress();
    const lockSeconds = () =>
      app.logLines
        .filter((line) => line.includes('login locked after repeated failures') && line.includes(accountTag(user.email)))
        .map((line) => JSON.parse(line).seconds as number);
    for (let lock = 0; lock < 3; lock++) {
      await failTimes(3, user.email, from);
      // Waits out the lock it was given (a slow machine only waits longer).
      await sleep(lockSeconds()[lock] * 1000 + 300);
    }
    expect(lockSeconds()).toEqual([2, 4, 4]);
    // The lock has ended by itself: the right password works.
    expect((await login(user.email, TEST_PASSWORD, from)).status).toBe(200);
  }, 30_000);

  it('a success clears the count of failures', async () => {
    const { user } = await app.createUser('operator');
    const from = newAddress();
    await failTimes(2, user.email, from);
    expect((await login(user.email, TEST_PASSWORD, from)).status).toBe(200);
    await failTimes(2, user.email, from);
    expect((await login(user.email, TEST_PASSWORD, from)).status).toBe(200);
  });

  it('an admin lifts a lock at once; users:READ alone may not', async () => {
    const { user } = await app.createUser('operator');
    const from = newAddress();
    await failTimes(3, user.email, from);
    expectLocked(await login(user.email, TEST_PASSWORD, from));

    const { token: operator } = await app.createUser('operator');
    expect((await app.http.post(`/api/users/${user.id}/unlock`).set('Authorization', `Bearer ${operator}`)).status).toBe(403);

    const unlock = await app.http.post(`/api/users/${user.id}/unlock`).set('Authorization', `Bearer ${admin.token}`);
    expect(unlock.status).toBe(200);
    expect(unlock.body).toMatchObject({ user: { id: user.id }, addresses: 1 });
    expect((await login(user.email, TEST_PASSWORD, from)).status).toBe(200);
  });

  it("lifts the account's locks when an admin resets its password", async () => {
    const { user } = await app.createUser('operator');
    const from = newAddress();
    await failTimes(3, user.email, from);
    expectLocked(await login(user.email, TEST_PASSWORD, from));
    const reset = await app.http.post(`/api/users/${user.id}/password`).set('Authorization', `Bearer ${admin.token}`).send({ password: 'a new password of theirs' });
    expect(reset.status).toBe(204);
    expect((await login(user.email, 'a new password of theirs', from)).status).toBe(200);
  });

  it('caps failures per address across accounts, counting the address lock-out once', async () => {
    const before = await lockouts('address');
    const sprayer = newAddress();
    for (let i = 0; i < 11; i++) expect((await login(`guess${i}@example.test`, 'Winter2026!', sprayer)).status).toBe(401);
    expect(await lockouts('address')).toBe(before);
    expect((await login('guess11@example.test', 'Winter2026!', sprayer)).status).toBe(401);
    expect(await lockouts('address')).toBe(before + 1);
    const { user } = await app.createUser('operator');
    const locked = await login(user.email, TEST_PASSWORD, sprayer);
    expectLocked(locked, 'TOO_MANY_LOGIN_ATTEMPTS');
    expect(locked.body.error.message).toBe('Too many failed logins from this address; try again later');
    expect(await lockouts('address')).toBe(before + 1);
    expect((await login(user.email, TEST_PASSWORD, newAddress())).status).toBe(200);
  });

  it('parallel guesses cannot slip past the lock', async () => {
    const { user } = await app.createUser('operator');
    const from = newAddress();
    const answers = await Promise.all(Array.from({ length: 10 }, () => login(user.email, 'wrong password', from)));
    expect(answers.filter((r) => r.status === 401)).toHaveLength(3);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it('guards the console login form the same way', async () => {
    const { user } = await app.createUser('admin');
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const from = newAddress();
    const post = (password: string) =>
      supertest(app.server).post('/admin/login').set('Origin', base).set('X-Forwarded-For', from).type('form').send({ email: user.email, password });
    for (let i = 0; i < 3; i++) expect((await post('wrong password')).status).toBe(401);
    const locked = await post(TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(locked.text).toContain('Too many failed logins');
    expect(locked.headers['set-cookie']).toBeUndefined();
  });
});

describe('login logging', () => {
  it('never writes an unknown account name (maybe a password typed into the email field)', async () => {
    const typed = 'Tr0ub4dor&3-my-real-password';
    expect((await login(typed, 'whatever', newAddress())).status).toBe(401);
    const failures = app.logLines.filter((line) => line.includes('login failed'));
    expect(failures.length).toBeGreaterThan(0);
    expect(app.logLines.join('\n')).not.toContain('Tr0ub4dor');
    expect(failures.at(-1)).toMatch(/"account":"[0-9a-f]{16}"/);
  });

  it('says who failed and why, and who logged in', async () => {
    const { user } = await app.createUser('operator');
    const from = newAddress();
    const lastLine = (message: string) => app.logged(message).at(-1)!;
    await login('nobody-here@example.test', 'whatever', from);
    expect(lastLine('login failed')).toMatchObject({ account: accountTag('nobody-here@example.test'), ip: from, reason: 'unknown user' });
    await login(user.email, 'wrong password', from);
    expect(lastLine('login failed')).toMatchObject({ userId: user.id, ip: from, reason: 'bad password' });
    expect(lastLine('login failed').account).toBeUndefined();
    // The addresses a failure came from are kept (for an admin's unlock) for a day beyond the longest lock (4 s here).
    const addressesTtl = await app.context.redis.ttl(`${app.config.redis.prefix}:rl:login-ips:${accountTag(user.email)}`);
    expect(addressesTtl).toBeGreaterThan(86_400);
    expect(addressesTtl).toBeLessThanOrEqual(86_400 + 4);
    expect((await login(user.email, TEST_PASSWORD, from)).status).toBe(200);
    expect(lastLine('login')).toMatchObject({ userId: user.id });
    await user.$query().patch({ disabled: true });
    await login(user.email, TEST_PASSWORD, from);
    expect(lastLine('login failed')).toMatchObject({ userId: user.id, reason: 'disabled' });
  });
});
