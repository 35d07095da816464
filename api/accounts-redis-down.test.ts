import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';

/**
 * Logins, logouts and lock-outs while Redis is unreachable (a closed port): what still works, what
 * is refused with a clear answer, and what the log tells the operator it could not do.
 */
let down: TestApp;
beforeAll(async () => {
  down = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:9/0' });
});
afterAll(() => down.close());

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('accounts while Redis is down', () => {
  it('refuses a wrong password as ever, and logs that its address is not kept for an unlock', async () => {
    const { user } = await down.createUser('operator');
    const res = await down.http.post('/api/auth/login').send({ email: user.email, password: 'wrong password' });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_CREDENTIALS');
    expect(down.logged('login failure not recorded for unlock')).toEqual([expect.objectContaining({ level: 'warn', error: expect.stringMatching(/\S/) })]);
  });

  it('logs in, and a logout ends the login although the access token cannot be denylisted', async () => {
    const { user } = await down.createUser('operator');
    const login = await down.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = login.body;

    const logout = await down.http.post('/api/auth/logout').set(bearer(accessToken)).send({ refreshToken });
    expect(logout.status).toBe(204);
    expect(down.logged('access token not revoked: Redis unreachable')).toEqual([expect.objectContaining({ level: 'error', error: expect.stringMatching(/\S/) })]);
    const refresh = await down.http.post('/api/auth/refresh').send({ refreshToken });
    expect(refresh.status).toBe(401);
    expect(refresh.body.error.code).toBe('REFRESH_TOKEN_REVOKED');

    // Revocation cannot be checked either: the short-lived access token is accepted until it expires, and the log says why.
    const me = await down.http.get('/api/auth/me').set(bearer(accessToken));
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(user.id);
    expect(down.logged('token revocation not checked: Redis unreachable')).toContainEqual(expect.objectContaining({ level: 'warn', error: expect.stringMatching(/\S/) }));
  });

  it('refuses to lift a lock-out with 503, naming Redis', async () => {
    const { token } = await down.createUser('admin');
    const { user } = await down.createUser('operator');
    const res = await down.http.post(`/api/users/${user.id}/unlock`).set(bearer(token));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(res.body.error.message).toMatch(/^Login locks cannot be lifted while Redis is unreachable: \S/);
  });
});
