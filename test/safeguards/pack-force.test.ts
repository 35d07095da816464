import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { startTestApp, TestApp } from '../support/test-app';
import { startReadyWorker, startWorker, stopWorker } from '../support/worker-process';
import { as, Caller, releaseOf, uploadedId } from './flow';

/**
 * The pack job refuses a release name that breaks the rules unless someone with releases:MOD
 * forced it. The book here has a title but no author or publisher, so its name
 * (`Solitude.<year>.RETAiL.ePub.eBook-ESP`) breaks the "author or publisher and a title" rule.
 */
let app: TestApp;
let worker: ReturnType<typeof startWorker>;
let admin: Caller;
let operator: Caller;
let book: string;

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin');
  operator = await app.createUser('operator');
  book = path.join(app.dataDir, 'solitude.epub');
  await writeEpub(book, { title: 'Solitude', creators: [], date: '2019-03-01' });
  worker = await startReadyWorker(app.env, app.context.queue);
}, 60_000);
afterAll(async () => {
  await stopWorker(worker);
  await app.close();
});

const NAME = 'Solitude.2019.RETAiL.ePub.eBook-ESP';

describe('a release name that breaks the rules', () => {
  it('is refused by the pack job when nobody forced it, and nothing is published', async () => {
    const release = await releaseOf(app, operator, book, { group: 'ESP' });
    expect(release).toMatchObject({ state: 'failed', step: 'pack' });
    expect(release.error).toBe(`release name ${NAME} breaks the rules: needs an author or publisher and a title before the year`);
    expect(fs.existsSync(path.join(app.config.storage.releasesDir, NAME))).toBe(false);
    expect(release.files).toEqual([]);
  });

  it('cannot be forced by an operator (no releases:MOD)', async () => {
    const uploadId = await uploadedId(app, operator, book);
    const res = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options: { group: 'ESP', force: true, source: 'SCAN' } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/releases:MOD/) });
  });

  it('is packed and published under that name when an admin forces it', async () => {
    const release = await releaseOf(app, admin, book, { group: 'ESP', force: true });
    expect(release).toMatchObject({ state: 'done', name: NAME, error: null });
    const onDisk = fs.readdirSync(path.join(app.config.storage.releasesDir, NAME)).sort();
    expect(release.files.map((f: { fileName: string }) => f.fileName).sort()).toEqual(onDisk);
    expect(onDisk.filter((f) => f.endsWith('.zip'))).toHaveLength(1);
  });
});
