import { readAdminPasswordFile, writeAdminPasswordFile } from '../lib/admin-password-file';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';
import { hashPassword } from '../lib/password';
import { User } from '../db/models';

let app: TestApp;
let admin: { token: string; id: number };
beforeAll(async () => {
  app = await startTestApp();
  const created = await app.createUser('admin');
  admin = { token: created.token, id: created.user.id };
});
afterAll(() => app.close());

const asAdmin = () => ({ Authorization: `Bearer ${admin.token}` });

describe('user management', () => {
  it('an admin creates, lists, changes the role of, disables and resets the password of a user', async () => {
    const created = await app.http.post('/api/users').set(asAdmin()).send({ email: 'New.Op@Example.test', password: 'a long password 1' });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ email: 'new.op@example.test', role: 'operator', disabled: false });
    const id = created.body.user.id;

    const list = await app.http.get('/api/users').set(asAdmin());
    expect(list.body.users.map((u: { id: number }) => u.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toMatch(/passwordHash|password_hash/);

    expect((await app.http.patch(`/api/users/${id}`).set(asAdmin()).send({ role: 'admin' })).body.user.role).toBe('admin');
    expect((await app.http.post(`/api/users/${id}/password`).set(asAdmin()).send({ password: 'another long one' })).status).toBe(204);
    const login = await app.http.post('/api/auth/login').send({ email: 'new.op@example.test', password: 'another long one' });
    expect(login.status).toBe(200);

    expect((await app.http.patch(`/api/users/${id}`).set(asAdmin()).send({ disabled: true })).body.user.disabled).toBe(true);
    // Disabling revoked the user's refresh tokens.
    const refresh = await app.http.post('/api/auth/refresh').send({ refreshToken: login.body.refreshToken });
    expect(refresh.status).toBe(401);
  });

  it('disabling a user or changing their role ends their sessions for good; other changes do not', async () => {
    const { user } = await app.createUser('operator');
    const login = async () => (await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD })).body.refreshToken as string;
    const refresh = (refreshToken: string) => app.http.post('/api/auth/refresh').send({ refreshToken });
    const patch = (changes: object) => app.http.patch(`/api/users/${user.id}`).set(asAdmin()).send(changes);

    // Disabled, then enabled again: the session from before stays dead (not merely refused while disabled).
    const beforeDisable = await login();
    expect((await patch({ disabled: true })).status).toBe(200);
    expect((await patch({ disabled: false })).status).toBe(200);
    expect((await refresh(beforeDisable)).body.error.code).toBe('REFRESH_TOKEN_REVOKED');

    // Only that user's sessions: the admin who disabled them keeps theirs.
    const adminLogin = await app.http.post('/api/auth/login').send({ email: (await app.http.get('/api/auth/me').set(asAdmin())).body.user.email, password: TEST_PASSWORD });
    expect((await patch({ disabled: true })).status).toBe(200);
    expect((await patch({ disabled: false })).status).toBe(200);
    expect((await refresh(adminLogin.body.refreshToken)).status).toBe(200);

    const beforeRoleChange = await login();
    expect((await patch({ role: 'admin' })).body.user.role).toBe('admin');
    expect((await refresh(beforeRoleChange)).body.error.code).toBe('REFRESH_TOKEN_REVOKED');

    // Setting what is already set (same role, enabled) revokes nothing.
    const kept = await login();
    expect((await patch({ role: 'admin', disabled: false })).status).toBe(200);
    expect((await refresh(kept)).status).toBe(200);
  });

  it("forgets the first admin's generated password file when that admin's password is reset, not another user's", async () => {
    const { dataDir } = app.config.storage;
    const first = await app.createUser('admin', app.config.firstRun.adminEmail);
    await User.query().findById(first.user.id).patch({ passwordHash: await hashPassword('generated at first run', 4) });
    writeAdminPasswordFile(dataDir, 'generated at first run');
    const other = await app.createUser('admin');
    expect((await app.http.post(`/api/users/${other.user.id}/password`).set(asAdmin()).send({ password: 'another long one' })).status).toBe(204);
    expect(readAdminPasswordFile(dataDir)).toBe('generated at first run');

    expect((await app.http.post(`/api/users/${first.user.id}/password`).set(asAdmin()).send({ password: 'chosen by the admin' })).status).toBe(204);
    expect(readAdminPasswordFile(dataDir)).toBeUndefined();
  });

  it('refuses duplicates, short passwords, unknown roles and unknown fields', async () => {
    const first = await app.http.post('/api/users').set(asAdmin()).send({ email: 'dup@example.test', password: TEST_PASSWORD });
    expect(first.status).toBe(201);
    const dup = await app.http.post('/api/users').set(asAdmin()).send({ email: 'DUP@example.test', password: TEST_PASSWORD });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'EMAIL_TAKEN', message: 'A user with email dup@example.test already exists' });

    const short = await app.http.post('/api/users').set(asAdmin()).send({ email: 's@example.test', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.details.fields[0]).toMatchObject({ field: 'password' });
    expect((await app.http.post('/api/users').set(asAdmin()).send({ email: 'r@example.test', password: TEST_PASSWORD, role: 'root' })).status).toBe(400);
    expect((await app.http.patch(`/api/users/${first.body.user.id}`).set(asAdmin()).send({ email: 'x@y.z' })).status).toBe(400);
    expect((await app.http.get('/api/users/999999').set(asAdmin())).body.error).toMatchObject({ code: 'NOT_FOUND', message: 'User 999999 not found' });
    expect((await app.http.get('/api/users/abc').set(asAdmin())).status).toBe(400);
  });

  it('creates one user of eight sent at once with the same email; the others get 409, and no password hash reaches the log', async () => {
    const body = { email: 'race@example.test', password: 'a long password 1' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => app.http.post('/api/users').set(asAdmin()).send(body)));
    // With what the server logged for any other answer, so a failure says why.
    const unhandled = app.logged('unhandled error').map((entry) => String(entry.error).split('\n')[0]);
    expect({ statuses: answers.map((a) => a.status).sort(), unhandled }).toEqual({ statuses: [201, 409, 409, 409, 409, 409, 409, 409], unhandled: [] });
    for (const lost of answers.filter((a) => a.status === 409)) expect(['EMAIL_TAKEN', 'ALREADY_EXISTS']).toContain(lost.body.error.code);
    expect(app.logLines.join('\n')).not.toMatch(/\$2[aby]\$/);
  });

  it('an admin cannot lock themselves out, but may send their own unchanged state (as a form sends every field)', async () => {
    const res = await app.http.patch(`/api/users/${admin.id}`).set(asAdmin()).send({ disabled: true });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('You cannot disable yourself or change your own role');
    const unchanged = await app.http.patch(`/api/users/${admin.id}`).set(asAdmin()).send({ role: 'admin', disabled: false });
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.user).toMatchObject({ id: admin.id, role: 'admin', disabled: false });
  });

  it('an operator cannot manage users; anonymous callers are asked to log in', async () => {
    const { token } = await app.createUser('operator');
    for (const req of [
      app.http.get('/api/users'),
      app.http.post('/api/users').send({ email: 'x@example.test', password: TEST_PASSWORD }),
      app.http.patch(`/api/users/${admin.id}`).send({ role: 'operator' }),
    ]) {
      const res = await req.set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    }
    expect((await app.http.get('/api/users')).status).toBe(401);
  });
});
