import { Destination, Setting } from '../db/models';
import { SettingsRepository } from '../db/settings-repository';
import { startTestApp, TestApp } from '../test/support/test-app';

/** Stored credentials: encrypted at rest, write-only through the API, never in a log line. */
const PASSWORD = 'ftp-pa55word-that-must-not-leak';
const API_KEY = 'omdb-key-that-must-not-leak';

let app: TestApp;
let admin: { token: string };
const asAdmin = () => ({ Authorization: `Bearer ${admin.token}` });

beforeAll(async () => {
  app = await startTestApp({ TMDB_API_KEY: 'tmdb-from-environment' });
  admin = await app.createUser('admin');
});
afterAll(() => app.close());

function expectNowhere(secret: string, ...bodies: unknown[]) {
  for (const body of bodies) expect(JSON.stringify(body)).not.toContain(secret);
  expect(app.logLines.join('\n')).not.toContain(secret);
}

describe('destinations', () => {
  it('seals the password, never returns it, keeps it on edits without one, and replaces it on demand', async () => {
    const created = await app.http
      .post('/api/destinations')
      .set(asAdmin())
      .send({ name: 'topsite', protocol: 'ftps', host: 'ftp.example.test', username: 'esp', secret: PASSWORD, remotePath: '/incoming' });
    expect(created.status).toBe(201);
    expect(created.body.destination).toMatchObject({ name: 'topsite', port: 21, authType: 'password', tlsVerify: true, hasSecret: true });
    expect(created.body.destination).not.toHaveProperty('secret');
    expect(created.body.destination).not.toHaveProperty('secretEncrypted');
    const id = created.body.destination.id;

    const row = await Destination.query().findById(id);
    expect(row!.secretEncrypted).toMatch(/^v1:/);
    expect(row!.secretEncrypted).not.toContain(PASSWORD);
    expect(row!.secretEncrypted).not.toContain(Buffer.from(PASSWORD).toString('base64'));

    const edited = await app.http.patch(`/api/destinations/${id}`).set(asAdmin()).send({ remotePath: '/upload' });
    expect((await Destination.query().findById(id))!.secretEncrypted).toBe(row!.secretEncrypted);
    await app.http.patch(`/api/destinations/${id}`).set(asAdmin()).send({ secret: 'another password' });
    expect((await Destination.query().findById(id))!.secretEncrypted).not.toBe(row!.secretEncrypted);

    const listed = await app.http.get('/api/destinations?protocol=ftps').set(asAdmin());
    const one = await app.http.get(`/api/destinations/${id}`).set(asAdmin());
    // A failed connection test answers with the reason, still without the password.
    const tested = await app.http.post(`/api/destinations/${id}/test`).set(asAdmin());
    expect(tested.body.test).toMatchObject({ ok: false, error: expect.stringMatching(/FTP transfer failed/) });
    expect(tested.body.test.latencyMs).toBeGreaterThanOrEqual(0);
    expect(tested.body.test.latencyMs).toBeLessThan(60_000);
    // The operator's trail of the failure names the destination and the reason, not the password.
    expect(app.logged('destination test failed')).toEqual([expect.objectContaining({ destinationId: id, error: tested.body.test.error })]);
    expectNowhere(PASSWORD, created.body, edited.body, listed.body, one.body, tested.body);
    expect(listed.body.destinations).toHaveLength(1);
  });

  it('refuses key authentication over FTP and malformed fields', async () => {
    const key = await app.http.post('/api/destinations').set(asAdmin()).send({ name: 'k', protocol: 'ftp', host: 'h', username: 'u', authType: 'key', secret: 'x', remotePath: '/' });
    expect(key.status).toBe(422);
    expect(key.body.error).toMatchObject({ code: 'AUTH_NOT_SUPPORTED', message: 'Key authentication exists only for SFTP' });
    const sftpKey = await app.http.post('/api/destinations').set(asAdmin()).send({ name: 'k', protocol: 'sftp', host: 'h', username: 'u', authType: 'key', secret: 'x', remotePath: '/' });
    expect(sftpKey.status).toBe(201);
    expect(sftpKey.body.destination).toMatchObject({ protocol: 'sftp', authType: 'key' });
    const toFtp = await app.http.patch(`/api/destinations/${sftpKey.body.destination.id}`).set(asAdmin()).send({ protocol: 'ftp' });
    expect(toFtp.body.error.code).toBe('AUTH_NOT_SUPPORTED');
    const bad = await app.http.post('/api/destinations').set(asAdmin()).send({ name: 'b', protocol: 'smb', host: 'h; rm -rf', username: 'u', secret: 'x', remotePath: 'relative' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['host', 'protocol', 'remotePath']);
  });

  it('refuses renaming a destination to a name in use, naming the field', async () => {
    const send = (name: string) => app.http.post('/api/destinations').set(asAdmin()).send({ name, protocol: 'sftp', host: 'h', username: 'u', secret: 'x', remotePath: '/' });
    await send('first');
    const second = await send('second');
    const renamed = await app.http.patch(`/api/destinations/${second.body.destination.id}`).set(asAdmin()).send({ name: 'first' });
    expect(renamed.status).toBe(409);
    expect(renamed.body.error).toMatchObject({ code: 'DESTINATION_EXISTS', details: { fields: [{ field: 'name', message: 'A destination named first already exists' }] } });
    expect((await app.http.get(`/api/destinations/${second.body.destination.id}`).set(asAdmin())).body.destination.name).toBe('second');
    // Its own name is not taken (a form sends every field).
    const unchanged = await app.http.patch(`/api/destinations/${second.body.destination.id}`).set(asAdmin()).send({ name: 'second', remotePath: '/second' });
    expect(unchanged.status).toBe(200);
    expect(unchanged.body.destination).toMatchObject({ name: 'second', remotePath: '/second' });
    // Listed by name; a protocol narrows the list.
    const names = async (query: string) => (await app.http.get(`/api/destinations${query}`).set(asAdmin())).body.destinations.map((d: { name: string }) => d.name);
    expect(await names('?protocol=sftp')).toEqual(['first', 'k', 'second']);
    expect(await names('?protocol=ftps')).toEqual(['topsite']);
    expect(await names('')).toEqual(['first', 'k', 'second', 'topsite']);
    const missing = await app.http.get('/api/destinations/424242').set(asAdmin());
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Destination 424242 not found');
  });
});

describe('configurations', () => {
  it('stores a provider key encrypted, shows only where it comes from, and lets the environment win', async () => {
    const set = await app.http.put('/api/configurations/providers.omdbKey').set(asAdmin()).send({ value: API_KEY });
    expect(set.status).toBe(200);
    expect(set.body.configuration).toMatchObject({ key: 'providers.omdbKey', category: 'providers', secret: true, source: 'database', value: null });
    const stored = await Setting.query().findById('providers.omdbKey');
    expect(stored!.value).not.toContain(API_KEY);

    const list = await app.http.get('/api/configurations').set(asAdmin());
    const byKey = Object.fromEntries(list.body.configurations.map((c: { key: string }) => [c.key, c]));
    expect(byKey['providers.tmdbKey']).toMatchObject({ source: 'environment', value: null });
    expect(byKey['providers.googleBooksKey']).toMatchObject({ source: 'unset', value: null });
    expectNowhere(API_KEY, set.body, list.body);
    expectNowhere('tmdb-from-environment', list.body);

    // What the workers use: the stored key decrypted, the environment's where it is set.
    const repository = new SettingsRepository(app.config);
    expect(await repository.effective('providers.omdbKey')).toBe(API_KEY);
    expect(await repository.effective('providers.tmdbKey')).toBe('tmdb-from-environment');
    await app.http.put('/api/configurations/providers.tmdbKey').set(asAdmin()).send({ value: 'stored-but-overridden' });
    expect(await repository.effective('providers.tmdbKey')).toBe('tmdb-from-environment');

    expect((await app.http.delete('/api/configurations/providers.omdbKey').set(asAdmin())).status).toBe(204);
    expect(await repository.effective('providers.omdbKey')).toBeUndefined();
  });

  it('validates values and refuses unknown keys', async () => {
    expect((await app.http.put('/api/configurations/pack.defaultRuleId').set(asAdmin()).send({ value: 'seven' })).status).toBe(400);
    const rule = await app.http
      .post('/api/rules')
      .set(asAdmin())
      .send({ section: 'EBOOK', year: 2030, scene: 'Secrets', title: 'Rules', body: 'Rules.', limits: { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 } });
    expect(rule.status).toBe(201);
    const ok = await app.http.put('/api/configurations/pack.defaultRuleId').set(asAdmin()).send({ value: rule.body.rule.id });
    expect(ok.body.configuration).toMatchObject({ source: 'database', value: String(rule.body.rule.id), secret: false });
    const unknown = await app.http.put('/api/configurations/app.debug').set(asAdmin()).send({ value: 'true' });
    expect(unknown.status).toBe(404);
  });

  it('cannot read a secret sealed with another key, and says so without echoing it', async () => {
    const other = new SettingsRepository({ ...app.config, secrets: { ...app.config.secrets, credentialsKey: 'ab'.repeat(32) } });
    await app.http.put('/api/configurations/providers.tvdbPin').set(asAdmin()).send({ value: '1234-pin' });
    let message = '';
    try {
      await other.effective('providers.tvdbPin');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('a stored secret cannot be decrypted with the current CREDENTIALS_KEY');
  });
});
