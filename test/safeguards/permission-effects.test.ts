import path from 'node:path';
import { Destination, NfoTemplate, Release, ReleaseDistribution, Role, RolePermission, Rule } from '../../db/models';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { as, Caller, PipelineWorld, releaseOf, startPipelineWorld } from '../support/pipeline-world';
import type { TestApp } from '../support/test-app';

/**
 * What api/permissions.test.ts checks by status code only, checked here by body and effect: a
 * refused change changes nothing, an allowed one does; secrets are never read back; a busy
 * destination or a started release is refused and kept as it was.
 */
let world: PipelineWorld<'admin' | 'operator'>;
let app: TestApp;
let admin: Caller;
let operator: Caller;
let ruleId: number;
let templateId: number;

const LIMITS = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 };
const OMDB_KEY = 'omdb-key-that-must-stay-sealed';

beforeAll(async () => {
  world = await startPipelineWorld({ users: { admin: ['admin'], operator: ['operator'] } });
  ({ app, users: { admin, operator } } = world);
  ruleId = (await app.http.post('/api/rules').set(as(admin)).send({ section: 'EBOOK', year: 2032, scene: 'Kept', title: 'Kept rule', body: 'Kept.', limits: LIMITS })).body.rule.id;
  templateId = (await app.http.post('/api/templates').set(as(admin)).send({ name: 'kept', body: ' KEPT {{title}}' })).body.template.id;
}, 60_000);
afterAll(() => world.close());

describe('the admin role', () => {
  it('holds every permission, whatever its stored rows say (a permission added after it was seeded included)', async () => {
    const adminRole = await Role.query().findOne({ name: 'admin' });
    const removed = await RolePermission.query().delete().where({ roleId: adminRole!.id, resource: 'rules', action: 'WRITE' });
    expect(removed).toBe(1);
    const created = await app.http.post('/api/rules').set(as(admin)).send({ section: 'EBOOK', year: 2033, scene: 'Admin', title: 'Admin rule', body: 'Admin.', limits: LIMITS });
    expect(created.status).toBe(201);
    await RolePermission.query().insert({ roleId: adminRole!.id, resource: 'rules', action: 'WRITE' });
  });
});

describe('rules and templates', () => {
  it('an operator (READ only) can neither change nor delete them, and nothing changes', async () => {
    for (const [url, body] of [[`/api/rules/${ruleId}`, { title: 'Changed' }], [`/api/templates/${templateId}`, { body: ' CHANGED' }]] as const) {
      const patch = await app.http.patch(url).set(as(operator)).send(body);
      expect(patch.status).toBe(403);
      expect(patch.body.error).toMatchObject({ code: 'FORBIDDEN', requestId: expect.any(String) });
      expect((await app.http.delete(url).set(as(operator))).status).toBe(403);
    }
    expect(await Rule.query().findById(ruleId)).toMatchObject({ title: 'Kept rule' });
    expect(await NfoTemplate.query().findById(templateId)).toMatchObject({ body: ' KEPT {{title}}' });
    // Reading is allowed, and shows the stored values.
    expect((await app.http.get(`/api/rules/${ruleId}`).set(as(operator))).body.rule).toMatchObject({ id: ruleId, title: 'Kept rule' });
    expect((await app.http.get(`/api/templates/${templateId}`).set(as(operator))).body.template).toMatchObject({ id: templateId, body: ' KEPT {{title}}' });
  });

  it('an admin changes and deletes them, with effect', async () => {
    expect((await app.http.patch(`/api/templates/${templateId}`).set(as(admin)).send({ body: ' CHANGED {{title}}' })).status).toBe(200);
    expect(await NfoTemplate.query().findById(templateId)).toMatchObject({ body: ' CHANGED {{title}}' });
    expect((await app.http.delete(`/api/templates/${templateId}`).set(as(admin))).status).toBe(204);
    expect(await NfoTemplate.query().findById(templateId)).toBeUndefined();
    expect((await app.http.delete(`/api/rules/${ruleId}`).set(as(admin))).status).toBe(204);
    expect(await Rule.query().findById(ruleId)).toBeUndefined();
  });
});

describe('configuration reads', () => {
  it('never answer a secret setting with its value, to anyone', async () => {
    expect((await app.http.put('/api/configurations/providers.omdbKey').set(as(admin)).send({ value: OMDB_KEY })).status).toBe(200);
    const one = await app.http.get('/api/configurations/providers.omdbKey').set(as(admin));
    expect(one.status).toBe(200);
    const all = await app.http.get('/api/configurations').set(as(admin));
    expect(all.status).toBe(200);
    expect(JSON.stringify(one.body)).not.toContain(OMDB_KEY);
    expect(JSON.stringify(all.body)).not.toContain(OMDB_KEY);
    expect(JSON.stringify(all.body)).toContain('providers.omdbKey');
    const refused = await app.http.get('/api/configurations/providers.omdbKey').set(as(operator));
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain(OMDB_KEY);
  });
});

describe('busy things are kept', () => {
  let release: { id: string; state: string };

  it('a started (here: finished) release cannot be cancelled, and stays as it was', async () => {
    const book = path.join(app.dataDir, 'started.epub');
    await writeEpub(book, { title: 'Already Started', date: '2020-02-02' });
    release = await releaseOf(app, operator, book, { group: 'ESP', source: 'SCAN' });
    expect(release.state).toBe('done');
    const res = await app.http.post(`/api/releases/${release.id}/cancel`).set(as(operator));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_CANCELLABLE');
    expect(await Release.query().findById(release.id)).toMatchObject({ state: 'done' });
  });

  it('a destination that is being uploaded to cannot be deleted, and stays', async () => {
    const dest = await app.http.post('/api/destinations').set(as(admin)).send({ name: 'busy', protocol: 'ftp', host: '127.0.0.1', port: 9, username: 'u', secret: 'p', remotePath: '/r' });
    const destinationId = dest.body.destination.id;
    await ReleaseDistribution.query().insert({ releaseId: release.id, destinationId, state: 'uploading', progress: 10, bytesSent: 0, attempts: 1 });
    const res = await app.http.delete(`/api/destinations/${destinationId}`).set(as(admin));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'DESTINATION_BUSY', message: expect.stringMatching(/1 release\(s\) are being uploaded to busy/) });
    expect(await Destination.query().findById(destinationId)).toBeDefined();
    expect(await ReleaseDistribution.query().where({ destinationId })).toHaveLength(1);
  });
});
