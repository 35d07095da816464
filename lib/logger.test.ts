import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('logging', () => {
  it('never writes passwords, tokens or Authorization headers, and tags lines with the request id', async () => {
    const { user } = await app.createUser('operator');
    const login = await app.http.post('/api/auth/login').set('X-Request-Id', 'req-login-1').send({ email: user.email, password: TEST_PASSWORD });
    const { accessToken, refreshToken } = login.body;
    await app.http.get('/api/auth/me').set('Authorization', `Bearer ${accessToken}`);
    await app.http.post('/api/auth/refresh').send({ refreshToken });
    await app.http.post('/api/auth/login').send({ email: user.email, password: 'wrong password here' });

    const all = app.logLines.join('\n');
    expect(all).toContain('req-login-1');
    const loginLine = app.logLines.map((l) => JSON.parse(l)).find((l) => l.message === 'login');
    expect(loginLine).toMatchObject({ requestId: 'req-login-1', userId: user.id });
    for (const secret of [TEST_PASSWORD, 'wrong password here', accessToken, refreshToken, app.config.secrets.jwtSecret]) {
      expect(all).not.toContain(secret);
    }
  });

  it('redacts secrets handed to the logger directly', () => {
    app.context.logger.info('calling provider https://api.example.test/x?api_key=abc123secret with Bearer tok.en.value', {
      password: 'p4ssw0rd!',
      nested: { apiKey: 'k-123', headers: { authorization: 'Bearer zzz' } },
      databaseUrl: 'mysql://app:dbpass999@db/prod',
    });
    const line = app.logLines[app.logLines.length - 1];
    for (const secret of ['abc123secret', 'tok.en.value', 'p4ssw0rd!', 'k-123', 'zzz', 'dbpass999']) expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({ password: '[REDACTED]', nested: { apiKey: '[REDACTED]', headers: { authorization: '[REDACTED]' } } });
  });
});
