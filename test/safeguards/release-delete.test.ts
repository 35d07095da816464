import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Release, ReleaseDistribution, ReleaseFile } from '../../db/models';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { as, Caller, PipelineWorld, releaseOf, startPipelineWorld } from '../support/pipeline-world';
import type { TestApp } from '../support/test-app';

/**
 * Deleting a release never leaves one side without the other: it is refused while a destination
 * is being uploaded to, and when its rows cannot be deleted, or one of its files cannot be moved
 * aside, its files are moved back.
 */
let world: PipelineWorld<'admin' | 'operator'>;
let app: TestApp;
let admin: Caller;
let operator: Caller;
let release: { id: string; name: string };
let destinationId: number;

const folder = () => path.join(app.config.storage.releasesDir, release.name);
const sfv = () => path.join(app.config.storage.releasesDir, '.checksums', `${release.name}.sfv`);
const snapshot = () => fs.readdirSync(folder()).sort().map((f) => [f, fs.readFileSync(path.join(folder(), f)).length]);
const remove = () => app.http.delete(`/api/releases/${release.id}`).set(as(operator));

beforeAll(async () => {
  world = await startPipelineWorld({ users: { admin: ['admin'], operator: ['operator'] } });
  ({ app, users: { admin, operator } } = world);
  const book = path.join(app.dataDir, 'keep.epub');
  await writeEpub(book, { title: 'Keep Me Whole', date: '2020-01-01' });
  release = await releaseOf(app, operator, book, { group: 'ESP', source: 'SCAN' });
  expect(release).toMatchObject({ state: 'done' });
  destinationId = await world.createDestination(admin, 'nowhere', { protocol: 'ftp', port: 9, username: 'u', secret: 'p', remotePath: '/r' });
}, 90_000);
afterAll(() => world.close());

describe('deleting a release', () => {
  it('is refused with 409 RELEASE_BUSY while a destination is being uploaded to, and keeps everything', async () => {
    // A worker mid-upload holds the distribution in state "uploading".
    await ReleaseDistribution.query().insert({ releaseId: release.id, destinationId, state: 'uploading', progress: 40, bytesSent: 0, attempts: 1 });
    const before = snapshot();
    const res = await remove();
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'RELEASE_BUSY', message: 'The release is being uploaded to a destination' });
    expect(snapshot()).toEqual(before);
    expect(fs.existsSync(sfv())).toBe(true);
    expect(await Release.query().findById(release.id)).toBeDefined();
    await ReleaseDistribution.query().patch({ state: 'failed' }).where({ releaseId: release.id });
  });

  it('moves the files back when the rows cannot be deleted', async () => {
    // A row elsewhere that still refers to the release (no cascade) makes its deletion fail.
    const knex = Release.knex();
    await knex.schema.createTable('release_holds', (t) => {
      t.increments('id');
      t.string('release_id', 36).notNullable().references('id').inTable('releases');
    });
    await knex('release_holds').insert({ release_id: release.id });
    const before = snapshot();
    const sfvBefore = fs.readFileSync(sfv());

    const res = await remove();
    expect(res.status).not.toBe(204);
    expect(res.body.error).toMatchObject({ code: expect.any(String), requestId: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    expect(snapshot()).toEqual(before);
    expect(fs.readFileSync(sfv()).equals(sfvBefore)).toBe(true);
    expect(await Release.query().findById(release.id)).toBeDefined();
    expect(await ReleaseFile.query().where({ releaseId: release.id })).toHaveLength(before.length);
    expect((await app.http.get(`/api/releases/${release.id}`).set(as(operator))).status).toBe(200);

    await knex.schema.dropTable('release_holds');
  });

  it('keeps everything when a file cannot be moved aside (not only when it is missing)', async () => {
    // An immutable checksum file cannot be renamed, even by root (EPERM): the folder, moved first, must come back.
    execFileSync('chattr', ['+i', sfv()]);
    try {
      const before = snapshot();
      const res = await remove();
      expect(res.status).toBe(500);
      expect(res.body.error).toMatchObject({ code: 'INTERNAL_ERROR', requestId: expect.any(String) });
      expect(snapshot()).toEqual(before);
      expect(fs.existsSync(sfv())).toBe(true);
      expect(await Release.query().findById(release.id)).toBeDefined();
      const trash = path.join(app.config.storage.releasesDir, '.trash');
      expect(fs.readdirSync(trash)).toEqual([]);
    } finally {
      execFileSync('chattr', ['-i', sfv()]);
    }
  });

  it('then deletes it whole once nothing holds it', async () => {
    expect((await remove()).status).toBe(204);
    expect(fs.existsSync(folder())).toBe(false);
    expect(fs.existsSync(sfv())).toBe(false);
    expect(await Release.query().findById(release.id)).toBeUndefined();
    const trash = path.join(app.config.storage.releasesDir, '.trash');
    expect(fs.existsSync(trash) ? fs.readdirSync(trash) : []).toEqual([]);
  });

  it('deletes a release whose folder someone already removed by hand, with its checksum file', async () => {
    const book = path.join(app.dataDir, 'gone.epub');
    await writeEpub(book, { title: 'Gone Before Me', date: '2020-01-01' });
    const gone = await releaseOf(app, operator, book, { group: 'ESP', source: 'SCAN' });
    expect(gone).toMatchObject({ state: 'done' });
    const goneSfv = path.join(app.config.storage.releasesDir, '.checksums', `${gone.name}.sfv`);
    fs.rmSync(path.join(app.config.storage.releasesDir, gone.name), { recursive: true });
    expect(fs.existsSync(goneSfv)).toBe(true);
    expect((await app.http.delete(`/api/releases/${gone.id}`).set(as(operator))).status).toBe(204);
    expect(fs.existsSync(goneSfv)).toBe(false);
    expect(await Release.query().findById(gone.id)).toBeUndefined();
  });
});
