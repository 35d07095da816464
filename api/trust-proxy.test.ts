import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';

/**
 * Whose X-Forwarded-For names the client: only a proxy TRUST_PROXY names. Here the API trusts a
 * proxy at 10.1.2.3 only, and the test's connections come from loopback, so a header they carry is
 * a client's own claim: ignored, every attempt is counted under the connection's own address. (With
 * the default, loopback, the same header is believed: api/login-throttle.test.ts.)
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ TRUST_PROXY: '10.1.2.3', LOGIN_LOCK_AFTER_FAILURES: '3', LOGIN_LOCK_SECONDS: '60' });
});
afterAll(() => app.close());

const login = (email: string, password: string, from: string) => app.http.post('/api/auth/login').set('X-Forwarded-For', from).send({ email, password });

it('keeps lock-outs by the connecting address when the connection is not from a trusted proxy', async () => {
  const { user } = await app.createUser('operator');
  for (let i = 0; i < 3; i++) expect((await login(user.email, 'wrong password', `203.0.113.${i + 1}`)).status).toBe(401);
  // Three "addresses" were one client: its account is locked whatever address it claims next.
  const claimed = await login(user.email, TEST_PASSWORD, '198.51.100.7');
  expect(claimed.status).toBe(429);
  expect(claimed.body.error.code).toBe('ACCOUNT_LOCKED');
  expect(app.logged('login failed').map((line) => line.ip)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
});
