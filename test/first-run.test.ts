import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import knex from 'knex';
import { JWT_ISSUER } from '../lib/access-token';
import { writeAdminPasswordFile } from '../lib/admin-password-file';
import { hashPassword, verifyPassword } from '../lib/password';
import { migrationSource } from '../db/migrations';
import { bindModels, Group, RefreshToken, User } from '../db/models';
import { startTestApp, TestApp } from './support/test-app';

/**
 * A fresh install's first minutes, through the real operator commands (dist/db/cli.js) on a
 * migrated database: the seed, the password file, the offline reset; and the generated keys.
 */
const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
/** The key lib/config.ts used to sign every development token with, before keys were generated. */
const OLD_CONSTANT_SECRET = 'development-only-insecure-secret-do-not-use-in-production';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const passwordFile = () => path.join(app.dataDir, 'admin-password.txt');
const admin = () => User.query().findOne({ email: 'admin@localhost' });

async function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(ROOT, 'dist/db/cli.js'), ...args], { env: { ...app.env, ...extraEnv } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('generated keys', () => {
  it('no longer accepts a token signed with the constant the code used to hold', async () => {
    // Not an admin: the seed below finds no admin yet, as on a fresh install.
    const { user, token: genuine } = await app.createUser('operator', 'keys@example.test', []);
    expect((await app.http.get('/api/auth/me').set('Authorization', `Bearer ${genuine}`)).status).toBe(200);
    // The very same claims (subject, role, expiry, id, issuer) signed with the old constant.
    const claims = jwt.decode(genuine) as jwt.JwtPayload;
    expect(claims).toMatchObject({ sub: String(user.id), iss: JWT_ISSUER });
    const forged = jwt.sign(claims, OLD_CONSTANT_SECRET, { algorithm: 'HS256' });
    expect((await app.http.get('/api/auth/me').set('Authorization', `Bearer ${forged}`)).status).toBe(401);
  });

  it('signs with the key in DATA_DIR/secrets.json, the same one at every start', async () => {
    const file = path.join(app.dataDir, 'secrets.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).jwtSecret).toBe(app.config.secrets.jwtSecret);
    // A second process started on the same install (the CLI) finds the same key and changes nothing.
    const before = fs.readFileSync(file, 'utf8');
    expect((await cli(['migrate:status'])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
  });
});

describe('migration commands', () => {
  it('list the pending migration after a step down, and apply it again', async () => {
    const names = await migrationSource.getMigrations([]);
    const newest = names[names.length - 1];
    const latest = await cli(['migrate:status']);
    expect(latest.out).toContain(`applied: ${names.join(', ')}\n`);
    expect(latest.out).toMatch(/^pending: none$/m);
    expect((await cli(['migrate:down'])).out).toContain(`undone: ${newest}`);
    const status = await cli(['migrate:status']);
    expect(status.out).toContain(`applied: ${names.slice(0, -1).join(', ')}\n`);
    expect(status.out).toContain(`pending: ${newest}\n`);
    expect((await cli(['migrate:latest'])).out).toContain(`applied: ${newest}`);
    expect((await cli(['migrate:status'])).out).toMatch(/^pending: none$/m);
  });

  it('refuse migrate:rollback without --all (it would undo the whole last batch), and undo nothing', async () => {
    const names = await migrationSource.getMigrations([]);
    const refused = await cli(['migrate:rollback']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('refuses without --all');
    expect(refused.out).toContain('migrate:down');
    expect((await cli(['migrate:status'])).out).toContain(`applied: ${names.join(', ')}\npending: none\n`);
  });

  it('roll back exactly one migration with ops/scripts/rollback-migration.sh, and the whole batch only with migrate:rollback --all', async () => {
    const names = await migrationSource.getMigrations([]);
    const { stdout } = await run('bash', [path.join(ROOT, 'ops/scripts/rollback-migration.sh')], { env: app.env });
    expect(stdout).toContain(`undone: ${names[names.length - 1]}\n`);
    expect(stdout).toContain(`pending: ${names[names.length - 1]}\n`);
    expect((await cli(['migrate:latest'])).out).toContain(`applied: ${names[names.length - 1]}`);
    // Applied by one migrate:latest, the last batch is that one migration here; --all undoes it.
    expect((await cli(['migrate:rollback', '--all'])).out).toContain(`rolled back: ${names[names.length - 1]}`);
    expect((await cli(['migrate:latest'])).out).toContain(`applied: ${names[names.length - 1]}`);
  });

  it('report a database never migrated without creating anything in it', async () => {
    const empty = path.join(app.dataDir, 'never-migrated.sqlite');
    const status = await cli(['migrate:status'], { DATABASE_URL: `sqlite://${empty}` });
    expect(status.out).toContain('no migrations table');
    expect(status.out).toContain('applied: none');
    const db = knex({ client: 'better-sqlite3', connection: { filename: empty }, useNullAsDefault: true });
    try {
      expect(await db.schema.hasTable('knex_migrations')).toBe(false);
    } finally {
      await db.destroy();
    }
  });
});

describe('seed', () => {
  it('creates the admin with a generated password kept in data/admin-password.txt (0600), and the default group', async () => {
    const { code, out } = await cli(['seed']);
    expect(code).toBe(0);
    expect(fs.statSync(passwordFile()).mode & 0o777).toBe(0o600);
    const password = fs.readFileSync(passwordFile(), 'utf8').trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(out).not.toContain(password);
    expect(out).toContain('created admin admin@localhost');
    expect(out).toContain('created group ESP with admin@localhost as member');

    const created = (await admin())!;
    expect(created).toMatchObject({ role: 'admin', disabled: false });
    expect(await verifyPassword(password, created.passwordHash)).toBe(true);
    const group = await Group.query().findOne({ tag: 'ESP' }).withGraphFetched('members');
    expect(group!.members!.map((m) => m.email)).toContain('admin@localhost');

    // The login the README uses works with it.
    const login = await app.http.post('/api/auth/login').send({ email: 'admin@localhost', password });
    expect(login.status).toBe(200);
  });

  it('changes nothing on the next start, and says ADMIN_PASSWORD is no longer read', async () => {
    const before = fs.readFileSync(passwordFile(), 'utf8');
    const hash = (await admin())!.passwordHash;
    const { code, out } = await cli(['seed'], { ADMIN_PASSWORD: 'a brand new password' });
    expect(code).toBe(0);
    expect(out).toContain('admin admin@localhost already exists; ADMIN_PASSWORD is only read when it is created');
    expect(out).not.toMatch(/^created/m);
    expect(fs.readFileSync(passwordFile(), 'utf8')).toBe(before);
    expect((await admin())!.passwordHash).toBe(hash);
    expect(await Group.query().where({ tag: 'ESP' }).resultSize()).toBe(1);
  });

  it('removes the password file once the admin has chosen another password', async () => {
    await (await admin())!.$query().patch({ passwordHash: await hashPassword('my own choice of password', 4) });
    const { out } = await cli(['seed']);
    expect(out).toContain('removed');
    expect(fs.existsSync(passwordFile())).toBe(false);
  });

  it("removes the password file as soon as the admin's password is changed through the API", async () => {
    writeAdminPasswordFile(app.dataDir, 'a generated password');
    const user = (await admin())!;
    const token = app.context.services.auth.signAccessToken(user);
    const res = await app.http.post(`/api/users/${user.id}/password`).set('Authorization', `Bearer ${token}`).send({ password: 'my own choice of password' });
    expect(res.status).toBe(204);
    expect(fs.existsSync(passwordFile())).toBe(false);
  });

  it('makes no second admin when a later start names another ADMIN_EMAIL, and still forgets a changed password', async () => {
    writeAdminPasswordFile(app.dataDir, 'generated at first run');
    await (await admin())!.$query().patch({ passwordHash: await hashPassword('generated at first run', 4) });
    const admins = () => User.query().where({ role: 'admin' }).resultSize();
    const before = await admins();
    const again = await cli(['seed'], { ADMIN_EMAIL: 'you@example.test' });
    expect(again.code).toBe(0);
    expect(again.out).toContain('an admin exists already (admin@localhost): ADMIN_EMAIL (you@example.test) only names the first admin of a fresh install');
    expect(again.out).not.toMatch(/^created admin/m);
    expect(await admins()).toBe(before);
    expect(await User.query().findOne({ email: 'you@example.test' })).toBeUndefined();
    expect(fs.readFileSync(passwordFile(), 'utf8').trim()).toBe('generated at first run');

    // The admin chose a password of their own: the next start, with either ADMIN_EMAIL, removes the file.
    await (await admin())!.$query().patch({ passwordHash: await hashPassword('my own choice of password', 4) });
    expect((await cli(['seed'], { ADMIN_EMAIL: 'you@example.test' })).out).toContain('removed');
    expect(fs.existsSync(passwordFile())).toBe(false);
  });

  it('creates the admin with ADMIN_PASSWORD and the group DEFAULT_GROUP on another install, writing no file', async () => {
    const other = await startTestApp({ ADMIN_EMAIL: 'boss@example.test', DEFAULT_GROUP: 'XYZ' });
    try {
      const { stdout } = await run(process.execPath, [path.join(ROOT, 'dist/db/cli.js'), 'seed'], { env: { ...other.env, ADMIN_PASSWORD: 'chosen by the boss' } });
      expect(stdout).toContain('created admin boss@example.test with the password from ADMIN_PASSWORD');
      expect(fs.existsSync(path.join(other.dataDir, 'admin-password.txt'))).toBe(false);
      expect((await other.http.post('/api/auth/login').send({ email: 'boss@example.test', password: 'chosen by the boss' })).status).toBe(200);
      const group = await Group.query().findOne({ tag: 'XYZ' }).withGraphFetched('members');
      expect(group!.members!.map((m) => m.email)).toEqual(['boss@example.test']);
    } finally {
      await other.close();
      // startTestApp bound the models to the other install's database: back to this one.
      bindModels(app.context.db);
    }
  });
});

describe('npm run admin -- reset-password', () => {
  it('sets a new password offline, prints it once, enables the account and ends its logins, access tokens included', async () => {
    const login = await app.http.post('/api/auth/login').send({ email: 'admin@localhost', password: 'my own choice of password' });
    expect(login.status).toBe(200);
    const me = () => app.http.get('/api/auth/me').set('Authorization', `Bearer ${login.body.accessToken}`);
    expect((await me()).status).toBe(200);
    await (await admin())!.$query().patch({ disabled: true });

    const { code, out } = await cli(['reset-password', 'Admin@Localhost']);
    expect(code).toBe(0);
    const password = /new password for Admin@Localhost \(shown once; change it after login\): (\S+)/.exec(out)?.[1];
    expect(password).toBeDefined();
    expect(out).toContain('the account was disabled; it is enabled again');
    expect(out).toContain('its logins are ended: refresh tokens revoked, access tokens refused from now on');
    // Enabled again, yet the token issued before the reset (perhaps a stolen one) no longer works.
    expect((await me()).body.error).toMatchObject({ code: 'TOKEN_REVOKED' });

    const after = (await admin())!;
    expect(after.disabled).toBe(false);
    expect(await verifyPassword(password!, after.passwordHash)).toBe(true);
    expect(await verifyPassword('my own choice of password', after.passwordHash)).toBe(false);
    expect(await RefreshToken.query().where({ userId: after.id }).whereNull('revokedAt').resultSize()).toBe(0);
    expect((await app.http.post('/api/auth/refresh').send({ refreshToken: login.body.refreshToken })).status).toBe(401);
    expect((await app.http.post('/api/auth/login').send({ email: 'admin@localhost', password })).status).toBe(200);
  });

  it('still resets the password offline while Redis is unreachable, saying that access tokens live on', async () => {
    const { code, out } = await cli(['reset-password', 'admin@localhost'], { REDIS_URL: 'redis://127.0.0.1:9/0' });
    expect(code).toBe(0);
    expect(out).toMatch(/new password for admin@localhost \(shown once; change it after login\): \S+/);
    expect(out).toContain('its refresh tokens are revoked; Redis was unreachable, so access tokens already issued live until they expire');
  });

  it('removes a stale first-run password file when the first admin is reset', async () => {
    fs.writeFileSync(passwordFile(), 'an old generated password\n', { mode: 0o600 });
    expect((await cli(['reset-password', 'admin@localhost'])).code).toBe(0);
    expect(fs.existsSync(passwordFile())).toBe(false);
  });

  it('names an unknown account and the usage, changing nothing', async () => {
    const unknown = await cli(['reset-password', 'nobody@example.test']);
    expect(unknown).toEqual({ code: 1, out: expect.stringContaining('User nobody@example.test not found') });
    const missing = await cli(['reset-password']);
    expect(missing).toEqual({ code: 2, out: expect.stringContaining('usage: npm run admin -- reset-password <email>') });
  });
});
