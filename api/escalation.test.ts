import { User } from '../db/models';
import { ALL_PERMISSIONS } from '../lib/permissions';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';

/**
 * Issue 17's probe: a role holding only users:READ/WRITE created an admin, promoted another user
 * to admin and disabled the seeded admin. Granting a role needs roles:WRITE and every permission
 * of the role; an account whose role outranks the caller cannot be changed; the last active admin
 * stays.
 */
let app: TestApp;
let admin: { token: string; id: number };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function createRole(name: string, permissions: string[]): Promise<void> {
  const res = await app.http.post('/api/roles').set(bearer(admin.token)).send({ name, permissions });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  app = await startTestApp();
  const created = await app.createUser('admin');
  admin = { token: created.token, id: created.user.id };
  await createRole('helpdesk', ['users:READ', 'users:WRITE']);
  await createRole('viewer', ['users:READ', 'releases:READ']);
  await createRole('manager', ['users:READ', 'users:WRITE', 'roles:READ', 'roles:WRITE', 'releases:READ']);
  await createRole('superuser', [...ALL_PERMISSIONS]);
}, 60_000);
afterAll(() => app.close());

describe('users:READ/WRITE alone (the reported escalation)', () => {
  let helpdesk: string;
  beforeAll(async () => {
    helpdesk = (await app.createUser('helpdesk')).token;
  });

  it('cannot create an admin, nor any account (granting a role needs roles:WRITE)', async () => {
    for (const role of ['admin', 'operator', 'viewer']) {
      const res = await app.http.post('/api/users').set(bearer(helpdesk)).send({ email: `made-${role}@example.test`, password: TEST_PASSWORD, role });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'ROLE_GRANT_FORBIDDEN', message: `Granting the ${role} role needs roles:WRITE and every permission of ${role}`, details: { role } });
      expect(res.body.error.details.missing).toContain('roles:WRITE');
      expect(typeof res.body.error.requestId).toBe('string');
      expect(await User.query().findOne({ email: `made-${role}@example.test` })).toBeUndefined();
    }
  });

  it('cannot promote another user to admin', async () => {
    const { user } = await app.createUser('helpdesk');
    const res = await app.http.patch(`/api/users/${user.id}`).set(bearer(helpdesk)).send({ role: 'admin' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ROLE_GRANT_FORBIDDEN');
    expect((await User.query().findById(user.id))!.role).toBe('helpdesk');
  });

  it('cannot disable, demote or reset the password of the seeded admin', async () => {
    for (const [path, body] of [
      [`/api/users/${admin.id}`, { disabled: true }],
      [`/api/users/${admin.id}`, { role: 'helpdesk' }],
      [`/api/users/${admin.id}/password`, { password: 'taken over by helpdesk' }],
    ] as const) {
      const req = path.endsWith('/password') ? app.http.post(path) : app.http.patch(path);
      const res = await req.set(bearer(helpdesk)).send(body);
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ code: 'ACCOUNT_OUTRANKS_YOU', message: "This account's role (admin) holds permissions you lack", details: { role: 'admin' } });
    }
    const stored = (await User.query().findById(admin.id))!;
    expect(stored).toMatchObject({ role: 'admin', disabled: false });
    expect((await app.http.get('/api/auth/me').set(bearer(admin.token))).status).toBe(200);
  });

  it('still manages accounts whose role it fully holds', async () => {
    const { user } = await app.createUser('helpdesk');
    const res = await app.http.patch(`/api/users/${user.id}`).set(bearer(helpdesk)).send({ disabled: true });
    expect(res.status).toBe(200);
    expect(res.body.user.disabled).toBe(true);
  });
});

describe('roles:WRITE with some permissions', () => {
  it('grants a role it fully holds, and no other', async () => {
    const { token } = await app.createUser('manager');
    const ok = await app.http.post('/api/users').set(bearer(token)).send({ email: 'viewer.by.manager@example.test', password: TEST_PASSWORD, role: 'viewer' });
    expect(ok.status).toBe(201);

    const operator = await app.http.post('/api/users').set(bearer(token)).send({ email: 'op.by.manager@example.test', password: TEST_PASSWORD, role: 'operator' });
    expect(operator.status).toBe(403);
    expect(operator.body.error.code).toBe('ROLE_GRANT_FORBIDDEN');
    expect(operator.body.error.details.missing).toEqual(expect.arrayContaining(['releases:WRITE']));
    expect(operator.body.error.details.missing).not.toContain('roles:WRITE');

    const promote = await app.http.patch(`/api/users/${ok.body.user.id}`).set(bearer(token)).send({ role: 'admin' });
    expect(promote.status).toBe(403);
    expect((await User.query().findById(ok.body.user.id))!.role).toBe('viewer');
  });

  it('an admin grants any role, admin included', async () => {
    const res = await app.http.post('/api/users').set(bearer(admin.token)).send({ email: 'second.admin@example.test', password: TEST_PASSWORD, role: 'admin' });
    expect(res.status).toBe(201);
    const demote = await app.http.patch(`/api/users/${res.body.user.id}`).set(bearer(admin.token)).send({ role: 'operator' });
    expect(demote.status).toBe(200);
  });
});

describe('the last active admin', () => {
  /** Leaves exactly the given admins active. */
  async function onlyActiveAdmins(...ids: number[]): Promise<void> {
    await User.query().patch({ disabled: true }).where({ role: 'admin' }).whereNotIn('id', ids);
    await User.query().patch({ disabled: false }).whereIn('id', ids);
  }

  it('can be neither disabled nor demoted, even by someone holding every permission', async () => {
    await onlyActiveAdmins(admin.id);
    const { token } = await app.createUser('superuser');
    for (const body of [{ disabled: true }, { role: 'superuser' }]) {
      const res = await app.http.patch(`/api/users/${admin.id}`).set(bearer(token)).send(body);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'LAST_ADMIN', message: 'This is the last active admin; make another admin first' });
    }
    expect(await User.query().findById(admin.id)).toMatchObject({ role: 'admin', disabled: false });
    // Themselves neither.
    const self = await app.http.patch(`/api/users/${admin.id}`).set(bearer(admin.token)).send({ disabled: true });
    expect(self.status).toBe(400);
    expect(self.body.error.message).toBe('You cannot disable yourself or change your own role');
  });

  it('of two admins disabled at the same time by different callers, one stays', async () => {
    const other = (await app.createUser('admin')).user;
    await onlyActiveAdmins(admin.id, other.id);
    const [a, b] = [(await app.createUser('superuser')).token, (await app.createUser('superuser')).token];
    const answers = await Promise.all([
      app.http.patch(`/api/users/${admin.id}`).set(bearer(a)).send({ disabled: true }),
      app.http.patch(`/api/users/${other.id}`).set(bearer(b)).send({ disabled: true }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await User.query().where({ role: 'admin', disabled: false }).resultSize()).toBe(1);
    await onlyActiveAdmins(admin.id);
  });

  it('may be changed in ways that keep it an active admin', async () => {
    await onlyActiveAdmins(admin.id);
    const { token } = await app.createUser('superuser');
    for (const body of [{ disabled: false }, { role: 'admin' }, { role: 'admin', disabled: false }]) {
      const res = await app.http.patch(`/api/users/${admin.id}`).set(bearer(token)).send(body);
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ id: admin.id, role: 'admin', disabled: false });
    }
  });

  it('with another admin active, an admin may be disabled', async () => {
    const other = (await app.createUser('admin')).user;
    await onlyActiveAdmins(admin.id, other.id);
    const res = await app.http.patch(`/api/users/${other.id}`).set(bearer(admin.token)).send({ disabled: true });
    expect(res.status).toBe(200);
  });
});
