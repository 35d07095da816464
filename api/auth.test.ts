import jwt from 'jsonwebtoken';
import { RefreshToken } from '../db/models';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

async function login(email: string, password = TEST_PASSWORD) {
  return app.http.post('/api/auth/login').send({ email, password });
}

describe('auth', () => {
  it('logs in, returns tokens, and /me answers with the user (no password hash)', async () => {
    const { user } = await app.createUser('operator');
    const res = await login(user.email);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, user: { id: user.id, role: 'operator' } });
    expect(res.body.user.passwordHash).toBeUndefined();

    const me = await app.http.get('/api/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: user.id, email: user.email, role: 'operator' });
    expect(JSON.stringify(me.body)).not.toMatch(/password/i);
  });

  it('refuses a wrong password and an unknown email with the same answer', async () => {
    const { user } = await app.createUser('operator');
    const wrong = await login(user.email, 'not the password');
    const unknown = await login('nobody@example.test');
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'INVALID_CREDENTIALS', message: 'Invalid email or password' });
    }
  });

  it('rotates refresh tokens, and reuse of a rotated one revokes the whole family', async () => {
    const { user } = await app.createUser('operator');
    const bystander = (await login((await app.createUser('operator')).user.email)).body;
    const first = (await login(user.email)).body;
    const second = await app.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    const third = await app.http.post('/api/auth/refresh').send({ refreshToken: second.body.refreshToken });
    expect(third.status).toBe(200);

    // The first token was already rotated: presenting it again is theft.
    const reuse = await app.http.post('/api/auth/refresh').send({ refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error).toMatchObject({ code: 'REFRESH_TOKEN_REUSED', message: 'Refresh token already used; all sessions of this login are revoked' });
    // The operator learns whose login it was.
    // One login, rotated twice: every token of this user is of its family.
    const familyId = (await RefreshToken.query().findOne({ userId: user.id }))!.familyId;
    expect(app.logged('refresh token reuse detected; family revoked')).toEqual([expect.objectContaining({ level: 'warn', userId: user.id, familyId })]);
    // ...and the newest token of that family is dead too.
    const after = await app.http.post('/api/auth/refresh').send({ refreshToken: third.body.refreshToken });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('REFRESH_TOKEN_REVOKED');

    // Another login (another family) is untouched.
    const other = (await login(user.email)).body;
    expect((await app.http.post('/api/auth/refresh').send({ refreshToken: other.refreshToken })).status).toBe(200);
    // Another user's login, older than all of this, too.
    expect((await app.http.post('/api/auth/refresh').send({ refreshToken: bystander.refreshToken })).status).toBe(200);
  });

  it('of two concurrent refreshes with one token, exactly one wins', async () => {
    const { user } = await app.createUser('operator');
    const { refreshToken } = (await login(user.email)).body;
    const results = await Promise.all([1, 2, 3].map(() => app.http.post('/api/auth/refresh').send({ refreshToken })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    expect(results.filter((r) => r.status === 401).map((r) => r.body.error.code)).toEqual(expect.arrayContaining(['REFRESH_TOKEN_REUSED']));
  });

  it('logout revokes the refresh token, and only that login', async () => {
    const { user } = await app.createUser('operator');
    const earlier = (await login(user.email)).body;
    const tokens = (await login(user.email)).body;
    expect((await app.http.post('/api/auth/logout').send({ refreshToken: tokens.refreshToken })).status).toBe(204);
    const res = await app.http.post('/api/auth/refresh').send({ refreshToken: tokens.refreshToken });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'REFRESH_TOKEN_REVOKED', message: 'Refresh token revoked' });
    expect((await app.http.post('/api/auth/refresh').send({ refreshToken: earlier.refreshToken })).status).toBe(200);
  });

  it('refuses unknown and malformed refresh tokens', async () => {
    expect((await app.http.post('/api/auth/refresh').send({ refreshToken: 'nope' })).body.error).toMatchObject({ code: 'INVALID_REFRESH_TOKEN', message: 'Unknown refresh token' });
    const missing = await app.http.post('/api/auth/refresh').send({});
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses expired, forged, wrongly signed and missing access tokens', async () => {
    const { user } = await app.createUser('operator');
    const secret = app.config.secrets.jwtSecret;
    const expired = jwt.sign({ sub: String(user.id), role: 'operator', typ: 'access' }, secret, {
      algorithm: 'HS256',
      issuer: 'ebook-scene-packer',
      expiresIn: -10,
    });
    const forged = jwt.sign({ sub: String(user.id), role: 'admin', typ: 'access' }, 'someone-elses-secret', {
      algorithm: 'HS256',
      issuer: 'ebook-scene-packer',
    });
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ sub: String(user.id), role: 'admin', typ: 'access', iss: 'ebook-scene-packer' }),
    ).toString('base64url')}.`;

    const cases: [string | undefined, string, string][] = [
      [expired, 'TOKEN_EXPIRED', 'Access token expired'],
      [forged, 'INVALID_TOKEN', 'Invalid access token'],
      [unsigned, 'INVALID_TOKEN', 'Invalid access token'],
      ['garbage', 'INVALID_TOKEN', 'Invalid access token'],
      [undefined, 'UNAUTHORIZED', 'Authentication required'],
    ];
    for (const [token, code, message] of cases) {
      const req = app.http.get('/api/auth/me');
      const res = token ? await req.set('Authorization', `Bearer ${token}`) : await req;
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code, message });
    }
  });

  it('a refresh token of an account disabled behind the API (in the database) is refused', async () => {
    const { user } = await app.createUser('operator');
    const { refreshToken } = (await login(user.email)).body;
    await user.$query().patch({ disabled: true });
    const res = await app.http.post('/api/auth/refresh').send({ refreshToken });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'ACCOUNT_DISABLED', message: 'Account disabled' });
  });

  it('a disabled account cannot log in, and its still-valid access token stops working', async () => {
    const { user, token } = await app.createUser('operator');
    await user.$query().patch({ disabled: true });
    expect((await login(user.email)).status).toBe(401);
    const res = await app.http.get('/api/auth/me').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'ACCOUNT_DISABLED', message: 'Account disabled or deleted' });
  });
});
