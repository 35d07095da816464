import jwt from 'jsonwebtoken';
import supertest from 'supertest';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';
import { JWT_ALGORITHM, JWT_ISSUER } from '../lib/access-token';

/** Token hygiene: revocation on logout, no caching of token answers, every token expires, bcrypt's 72 bytes. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const me = (token: string) => app.http.get('/api/auth/me').set(bearer(token));

describe('revocation', () => {
  it('console logout revokes the session token, as a cookie and as a bearer token', async () => {
    const { user } = await app.createUser('admin');
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const browser = () => supertest(app.server);
    const login = await browser().post('/admin/login').set('Origin', base).type('form').send({ email: user.email, password: TEST_PASSWORD });
    expect(login.status).toBe(303);
    expect(login.headers['cache-control']).toBe('no-store');
    const cookie = String(login.headers['set-cookie'][0]).split(';')[0];
    const token = cookie.split('=')[1];
    expect((await browser().get('/admin/').set('Cookie', cookie)).status).toBe(200);
    expect((await me(token)).status).toBe(200);

    expect((await browser().post('/admin/logout').set('Origin', base).set('Cookie', cookie)).status).toBe(303);
    const afterCookie = await browser().get('/admin/').set('Cookie', cookie).set('Accept', 'application/json');
    expect(afterCookie.status).toBe(401);
    expect(afterCookie.body.error.code).toBe('TOKEN_REVOKED');
    const afterBearer = await me(token);
    expect(afterBearer.status).toBe(401);
    expect(afterBearer.body.error.code).toBe('TOKEN_REVOKED');
  });

  it("ends the admin console's session when its user's password is reset, as every other login", async () => {
    const { user } = await app.createUser('admin');
    const { token: otherAdmin } = await app.createUser('admin');
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const browser = () => supertest(app.server);
    const login = await browser().post('/admin/login').set('Origin', base).type('form').send({ email: user.email, password: TEST_PASSWORD });
    const cookie = String(login.headers['set-cookie'][0]).split(';')[0];
    expect((await browser().get('/admin/').set('Cookie', cookie)).status).toBe(200);
    expect((await app.http.post(`/api/users/${user.id}/password`).set(bearer(otherAdmin)).send({ password: 'a new password of theirs' })).status).toBe(204);
    const after = await browser().get('/admin/').set('Cookie', cookie).set('Accept', 'application/json');
    expect(after.body.error).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect((await me(cookie.split('=')[1])).body.error).toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('API logout with the access token revokes it; other logins keep working', async () => {
    const { user } = await app.createUser('operator');
    const first = (await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD })).body;
    const second = (await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD })).body;
    expect(first.accessToken).not.toBe(second.accessToken);
    expect((await app.http.post('/api/auth/logout').set(bearer(first.accessToken)).send({ refreshToken: first.refreshToken })).status).toBe(204);
    expect((await me(first.accessToken)).body.error).toMatchObject({ code: 'TOKEN_REVOKED', message: 'Access token revoked (logged out, or the password was changed)' });
    expect((await me(second.accessToken)).status).toBe(200);
  });

  it('a logout ends every access token of that login, the ones issued before a refresh too', async () => {
    const { user } = await app.createUser('operator');
    const login = (await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD })).body;
    const refreshed = (await app.http.post('/api/auth/refresh').send({ refreshToken: login.refreshToken })).body;
    const other = (await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD })).body;
    expect((await me(login.accessToken)).status).toBe(200);
    expect((await app.http.post('/api/auth/logout').set(bearer(refreshed.accessToken)).send({ refreshToken: refreshed.refreshToken })).status).toBe(204);
    for (const token of [login.accessToken, refreshed.accessToken]) expect((await me(token)).body.error).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect((await me(other.accessToken)).status).toBe(200);
  });

  it("a password reset ends every login of the user at once, bearer tokens and web app sessions alike", async () => {
    const { user } = await app.createUser('operator');
    const { token: adminToken } = await app.createUser('admin');
    const api = (await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD })).body;
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    // A browser of its own: the test's client keeps no cookie.
    const browser = () => supertest(app.server);
    const session = await browser().post('/api/session').set('Origin', base).send({ email: user.email, password: TEST_PASSWORD });
    const cookie = String(session.headers['set-cookie'][0]).split(';')[0];
    expect((await browser().get('/api/auth/me').set('Cookie', cookie)).status).toBe(200);

    expect((await app.http.post(`/api/users/${user.id}/password`).set(bearer(adminToken)).send({ password: 'a new password of theirs' })).status).toBe(204);
    expect((await me(api.accessToken)).body.error).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect((await browser().get('/api/auth/me').set('Cookie', cookie)).body.error).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect((await app.http.post('/api/auth/refresh').send({ refreshToken: api.refreshToken })).status).toBe(401);
    // The new password logs in, and that login works.
    const again = (await app.http.post('/api/auth/login').send({ email: user.email, password: 'a new password of theirs' })).body;
    expect((await me(again.accessToken)).status).toBe(200);
    expect((await me(adminToken)).status).toBe(200);
  });

  it('keeps a revoked token in Redis until it would have expired, and stores nothing for one already expired', async () => {
    const { user } = await app.createUser('operator');
    const { accessToken, refreshToken } = (await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD })).body;
    const { jti, exp } = jwt.decode(accessToken) as { jti: string; exp: number };
    expect((await app.http.post('/api/auth/logout').set(bearer(accessToken)).send({ refreshToken })).status).toBe(204);
    const ttl = await app.context.redis.ttl(`${app.config.redis.prefix}:revoked-jti:${jti}`);
    const left = exp - Date.now() / 1000;
    expect(ttl).toBeGreaterThan(left - 5);
    expect(ttl).toBeLessThanOrEqual(Math.ceil(left) + 1);

    // Expiring this very second, or before: nothing to keep, and that is not a failure (Redis refuses EX 0).
    const denylist = app.context.services.auth.denylist;
    for (const past of [Math.floor(Date.now() / 1000), Math.floor(Date.now() / 1000) - 60]) {
      await denylist.revoke(`expired-${past}`, past);
      expect(await app.context.redis.exists(`${app.config.redis.prefix}:revoked-jti:expired-${past}`)).toBe(0);
    }
    expect(app.logLines.filter((line) => line.includes('access token not revoked'))).toEqual([]);
  });
});

describe('token answers', () => {
  it('login and refresh answers carry Cache-Control: no-store', async () => {
    const { user } = await app.createUser('operator');
    const login = await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.headers['cache-control']).toBe('no-store');
    const refresh = await app.http.post('/api/auth/refresh').send({ refreshToken: login.body.refreshToken });
    expect(refresh.status).toBe(200);
    expect(refresh.headers['cache-control']).toBe('no-store');
  });

  it('refuses a correctly signed token without exp, or without jti', async () => {
    const { user } = await app.createUser('operator');
    const secret = app.config.secrets.jwtSecret;
    const claims = { sub: String(user.id), role: 'operator', typ: 'access' };
    const forever = jwt.sign(claims, secret, { algorithm: JWT_ALGORITHM, issuer: JWT_ISSUER, jwtid: 'no-expiry' });
    const anonymous = jwt.sign(claims, secret, { algorithm: JWT_ALGORITHM, issuer: JWT_ISSUER, expiresIn: 600 });
    for (const token of [forever, anonymous]) {
      const res = await me(token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_TOKEN');
    }
    // The same claims with both are fine: the refusal is about exp and jti only.
    expect((await me(jwt.sign(claims, secret, { algorithm: JWT_ALGORITHM, issuer: JWT_ISSUER, expiresIn: 600, jwtid: 'x1' }))).status).toBe(200);
  });
});

describe('passwords longer than bcrypt reads (72 bytes)', () => {
  const seventyTwoBytes = 'ä'.repeat(36);
  const seventyFourBytes = 'ä'.repeat(37);

  it('are refused when set, naming the field; 72 bytes work', async () => {
    const { token } = await app.createUser('admin');
    const tooLong = await app.http.post('/api/users').set(bearer(token)).send({ email: 'long@example.test', password: seventyFourBytes });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details.fields).toEqual([{ field: 'password', message: expect.stringContaining('72 bytes') }]);

    const created = await app.http.post('/api/users').set(bearer(token)).send({ email: 'exact@example.test', password: seventyTwoBytes });
    expect(created.status).toBe(201);
    const reset = await app.http.post(`/api/users/${created.body.user.id}/password`).set(bearer(token)).send({ password: `${seventyTwoBytes}x` });
    expect(reset.status).toBe(400);
    expect(reset.body.error.details.fields[0].field).toBe('password');
    // The stored password is still the 72-byte one, and a truncation of it is not.
    expect((await app.http.post('/api/auth/login').send({ email: 'exact@example.test', password: seventyTwoBytes })).status).toBe(200);
    expect((await app.http.post('/api/auth/login').send({ email: 'exact@example.test', password: seventyTwoBytes.slice(0, 35) })).status).toBe(401);
  });
});
