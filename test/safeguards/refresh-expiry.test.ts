import { createHash } from 'node:crypto';
import { RefreshToken } from '../../db/models';
import { startTestApp, TestApp, TEST_PASSWORD } from '../support/test-app';

/**
 * A refresh token past its expiry is refused, and refusing it issues nothing. The shortest
 * configurable lifetime is a minute, so the test moves the stored expiry into the past instead of
 * waiting: the same thing the clock does.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ JWT_REFRESH_TOKEN_EXPIRES: '60' });
});
afterAll(() => app.close());

async function loggedIn(): Promise<{ refreshToken: string; accessToken: string; refreshExpiresIn: number }> {
  const { user } = await app.createUser('operator');
  const res = await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD });
  expect(res.status).toBe(200);
  return res.body;
}

const stored = (refreshToken: string) => RefreshToken.query().findOne({ tokenHash: createHash('sha256').update(refreshToken).digest('hex') });

describe('refresh token expiry', () => {
  it('records the configured lifetime with the token', async () => {
    const before = Date.now();
    const { refreshToken, refreshExpiresIn } = await loggedIn();
    expect(refreshExpiresIn).toBe(60);
    const row = await stored(refreshToken);
    expect(row!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 59_000);
    expect(row!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
  });

  it('accepts a token that has not expired yet', async () => {
    const { refreshToken } = await loggedIn();
    await RefreshToken.query().patch({ expiresAt: new Date(Date.now() + 5_000) }).where({ id: (await stored(refreshToken))!.id });
    const res = await app.http.post('/api/auth/refresh').send({ refreshToken });
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).toEqual(expect.any(String));
  });

  it('refuses an expired token with 401 REFRESH_TOKEN_EXPIRED, issues no tokens and does not use it up', async () => {
    const { refreshToken } = await loggedIn();
    const row = (await stored(refreshToken))!;
    await RefreshToken.query().patch({ expiresAt: new Date(Date.now() - 1_000) }).where({ id: row.id });
    const tokensBefore = (await RefreshToken.query().where({ familyId: row.familyId })).length;

    const res = await app.http.post('/api/auth/refresh').send({ refreshToken });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'REFRESH_TOKEN_EXPIRED', message: 'Refresh token expired', requestId: expect.any(String) });
    expect(res.body).not.toHaveProperty('accessToken');
    expect(res.body).not.toHaveProperty('refreshToken');
    expect(await RefreshToken.query().where({ familyId: row.familyId })).toHaveLength(tokensBefore);
    expect((await stored(refreshToken))!.usedAt).toBeNull();
  });

  it('still ends the whole login when a used token is replayed after it expired', async () => {
    const { refreshToken } = await loggedIn();
    const rotated = await app.http.post('/api/auth/refresh').send({ refreshToken });
    expect(rotated.status).toBe(200);
    const row = (await stored(refreshToken))!;
    await RefreshToken.query().patch({ expiresAt: new Date(Date.now() - 1_000) }).where({ id: row.id });

    const replay = await app.http.post('/api/auth/refresh').send({ refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    const newest = await app.http.post('/api/auth/refresh').send({ refreshToken: rotated.body.refreshToken });
    expect(newest.status).toBe(401);
    expect(newest.body.error.code).toBe('REFRESH_TOKEN_REVOKED');
  });
});
