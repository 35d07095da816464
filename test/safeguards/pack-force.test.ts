import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { as, Caller, PipelineWorld, releaseOf, settledRelease, startPipelineWorld, uploadedId } from '../support/pipeline-world';
import type { TestApp } from '../support/test-app';
import { waitFor } from '../support/worker-process';

/**
 * A release name that breaks the rules is never packed unless someone with releases:MOD forced it.
 * The book here has a title but no author or publisher, so its name
 * (`Solitude.2019.SCAN.ePub.eBook-ESP`) breaks the "author or publisher and a title" rule. The
 * review hold stops it after enrichment; the pack job refuses it again by itself when it is
 * reached anyway (a rerun, a job added by hand).
 */
let world: PipelineWorld<'admin' | 'operator'>;
let app: TestApp;
let admin: Caller;
let operator: Caller;
let book: string;

beforeAll(async () => {
  world = await startPipelineWorld({ users: { admin: ['admin'], operator: ['operator'] } });
  ({ app, users: { admin, operator } } = world);
  book = path.join(app.dataDir, 'solitude.epub');
  await writeEpub(book, { title: 'Solitude', creators: [], date: '2019-03-01' });
}, 60_000);
afterAll(() => world.close());

const NAME = 'Solitude.2019.SCAN.ePub.eBook-ESP';
const BROKEN = 'needs an author or publisher and a title before the year';
const published = () => fs.existsSync(path.join(app.config.storage.releasesDir, NAME));

describe('a release name that breaks the rules', () => {
  let held: { id: string };

  it('is held for review when nobody forced it, and nothing is published', async () => {
    held = await releaseOf(app, operator, book, { group: 'ESP', source: 'SCAN' });
    expect(held).toMatchObject({ state: 'review' });
    expect(JSON.stringify(held)).toContain(BROKEN);
    expect(published()).toBe(false);
  });

  it('is refused by the pack job itself when the job is reached without force', async () => {
    await app.context.queue.enqueuePack(held.id);
    // It starts in review, so wait for the pack job's own outcome.
    const release = await settledRelease(app, operator, held.id, ['done', 'failed']);
    expect(release).toMatchObject({ state: 'failed', step: 'pack' });
    expect(release.error).toBe(`release name ${NAME} breaks the rules: ${BROKEN}`);
    expect(release.files).toEqual([]);
    expect(published()).toBe(false);
  });

  it('cannot be forced by an operator (no releases:MOD)', async () => {
    const uploadId = await uploadedId(app, operator, book);
    const res = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options: { group: 'ESP', force: true, source: 'SCAN' } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/releases:MOD/) });
  });

  it('is packed and published under that name when an admin forces it', async () => {
    const forced = await releaseOf(app, admin, book, { group: 'ESP', source: 'SCAN', force: true });
    // Forcing lifts the broken rule; the missing author still waits for a person's approval.
    expect(forced).toMatchObject({ state: 'review' });
    expect(JSON.stringify(forced)).not.toContain(BROKEN);
    expect((await app.http.post(`/api/releases/${forced.id}/approve`).set(as(admin))).status).toBe(202);
    const release = await waitFor('the approved release to be packed', async () => {
      const r = (await app.http.get(`/api/releases/${forced.id}`).set(as(admin))).body.release;
      return ['done', 'failed'].includes(r.state) ? r : undefined;
    }, 50_000);
    expect(release).toMatchObject({ state: 'done', name: NAME, error: null });
    const onDisk = fs.readdirSync(path.join(app.config.storage.releasesDir, NAME)).sort();
    expect(release.files.map((f: { fileName: string }) => f.fileName).sort()).toEqual(onDisk);
    expect(onDisk.filter((f) => f.endsWith('.zip'))).toHaveLength(1);
  });
});
