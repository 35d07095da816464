import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { JobRun, Release, Upload } from '../db/models';
import { writeEpub, writePdf } from '../jobs/inspect/fixtures/books';
import { jobIds } from '../jobs/job-queue';
import { JobName, QueueName } from '../lib/domain/queue-names';
import { as, Caller, PipelineWorld, settledRelease, startPipelineWorld, uploadAs, withInspectionsPaused } from './support/pipeline-world';
import type { TestApp } from './support/test-app';
import { waitFor } from './support/worker-process';

/**
 * The whole product path over real HTTP, real Redis, the real database and real worker
 * processes: upload -> inspect -> release flow (inspect when the upload is not inspected yet,
 * enrich, pack) -> files on disk.
 */
let world: PipelineWorld<'operator'>;
let app: TestApp;
let operator: Caller;

beforeAll(async () => {
  // Google Books answers from recordings; OpenLibrary is down (a closed port).
  world = await startPipelineWorld({
    replay: ['googlebooks'],
    env: { WORKER_LOCK_DURATION_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1000' },
    users: { operator: ['operator'] },
  });
  ({ app, users: { operator } } = world);
});
afterAll(() => world.close());

const auth = () => as(operator);
/** A RETAiL release needs a proof link (a store page) for its NFO. */
const PROOF = 'https://books.example.test/store/proof';
const upload = (filePath: string) => uploadAs(app, operator, filePath);
const settled = (releaseId: string) => settledRelease(app, operator, releaseId);
/** A release step's BullMQ job, as the API reads it (undefined when there is none). */
const stepJob = (queue: QueueName, step: JobName, releaseId: string) => app.context.queue.getJobView(queue, jobIds.releaseStep(step, releaseId));
/** The job attempts recorded for a release, in order: `queue/name`. */
const runsOf = async (releaseId: string) => (await JobRun.query().where({ releaseId }).orderBy('id')).map((r) => `${r.queue}/${r.jobName}`);

describe('pipeline end to end', () => {
  it('reports ok on /health once every pipeline queue has a worker', async () => {
    const res = await app.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', workers: { upload: 1, enrich: 1, pack: 1 } });
  });

  it('uploads a real EPUB, inspects it, and packs a release that passes the release checks', async () => {
    const book = path.join(app.dataDir, 'earthsea.epub');
    await writeEpub(book, { isbn: '9780547928227', date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt', paddingBytes: 7_000_000 });
    const res = await upload(book);
    expect(res.status).toBe(202);
    const uploadId = res.body.upload.id;
    expect(res.body.upload).toMatchObject({ status: 'stored', size: fs.statSync(book).size });
    // The stored file is named by id only, and holds exactly the uploaded bytes.
    expect(fs.readFileSync(path.join(app.config.storage.uploadDir, uploadId)).equals(fs.readFileSync(book))).toBe(true);

    const inspected = await waitFor('inspection', async () => {
      const u = (await app.http.get(`/api/uploads/${uploadId}`).set(auth())).body.upload;
      return u.status === 'inspected' ? u : undefined;
    });
    expect(inspected.metadata).toMatchObject({ format: 'epub', title: 'A Wizard of Earthsea', isbn: '9780547928227', year: 2012 });

    const requested = await app.http.post('/api/releases').set(auth()).send({ uploadId, options: { group: 'ESP', source: 'retail', volumeSizeMb: 5, proofUrl: PROOF } });
    expect(requested.status).toBe(202);
    const release = await settled(requested.body.release.id);
    expect({ ...release, error: release.error ?? undefined }).toMatchObject({ error: undefined, state: 'done', progress: 100, name: 'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP' });
    // Its upload was inspected before the request: the flow started at enrich, with no inspect job of its own.
    expect(await stepJob(QueueName.Upload, JobName.Inspect, release.id)).toBeUndefined();
    expect(await stepJob(QueueName.Enrich, JobName.Enrich, release.id)).toMatchObject({ state: 'completed' });
    expect(await runsOf(release.id)).toEqual(['enrich/enrich', 'pack/pack']);

    const dir = path.join(app.config.storage.releasesDir, release.name);
    const onDisk = fs.readdirSync(dir).sort();
    expect(release.files.map((f: { fileName: string }) => f.fileName).sort()).toEqual(onDisk);
    expect(onDisk.filter((f) => f.endsWith('.nfo'))).toHaveLength(1);
    expect(onDisk.filter((f) => f === 'file_id.diz')).toHaveLength(1);
    expect(onDisk.filter((f) => f.endsWith('.zip'))).toHaveLength(2);
    for (const zip of onDisk.filter((f) => f.endsWith('.zip'))) execFileSync('unzip', ['-tq', path.join(dir, zip)]);

    // Re-submitting the same request answers with the same release, and packs nothing new.
    const again = await app.http.post('/api/releases').set(auth()).send({ uploadId, options: { group: 'ESP', source: 'RETAIL', volumeSizeMb: 5, proofUrl: PROOF } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, release: { id: release.id } });
    expect(await Release.query().where({ uploadId })).toHaveLength(1);
  });

  it('packs a real PDF with no format tag, using overrides over the embedded metadata', async () => {
    const book = path.join(app.dataDir, 'hobbit.pdf');
    writePdf(book, { title: 'the hobbit', author: 'Tolkien, J. R. R.' });
    const uploadId = (await upload(book)).body.upload.id;
    const requested = await app.http
      .post('/api/releases')
      .set(auth())
      .send({ uploadId, options: { group: 'ESP', proofUrl: PROOF, overrides: { title: 'The Hobbit', year: 2012, publisher: 'Houghton Mifflin', language: 'en' } } });
    const release = await settled(requested.body.release.id);
    expect({ state: release.state, reviewReasons: release.reviewReasons }).toMatchObject({ state: 'done' });
    expect(release.name).toBe('J.R.R.Tolkien.The.Hobbit.2012.RETAiL.eBook-ESP');
    // The ISBN printed on the page found the book on Google Books; OpenLibrary was down, and said so.
    expect(release.metadata.record.sources).toMatchObject({ title: 'override', authors: 'googlebooks', isbn: 'embedded' });
    expect(release.metadata.providers).toEqual([
      expect.objectContaining({ provider: 'googlebooks', status: 'found' }),
      { provider: 'openlibrary', status: 'failed', reason: 'openlibrary: unreachable' },
    ]);
    expect(release.metadata.confidence).toBe(0.7);
  });

  it('answers a duplicate upload with the existing one', async () => {
    const book = path.join(app.dataDir, 'dup.epub');
    await writeEpub(book, { title: 'Duplicate Me' });
    const uploadDir = app.config.storage.uploadDir;
    const stored = () => fs.readdirSync(uploadDir).filter((f) => !f.startsWith('.')).sort();
    const partials = () => fs.readdirSync(path.join(uploadDir, '.partial'));
    const first = await upload(book);
    const afterFirst = stored();
    expect(afterFirst).toContain(first.body.upload.id);
    const second = await upload(book);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ duplicate: true, upload: { id: first.body.upload.id } });
    expect(await Upload.query().where({ sha256: first.body.upload.sha256 })).toHaveLength(1);
    // The duplicate stored nothing: no new upload file, and its received bytes were discarded.
    expect(stored()).toEqual(afterFirst);
    expect(partials()).toEqual([]);
  });

  it('rejects a file that is not an eBook, whatever its name, and refuses to release it', async () => {
    const fake = path.join(app.dataDir, 'novel.epub');
    fs.writeFileSync(fake, Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(100)]));
    const uploadId = (await upload(fake)).body.upload.id;
    const rejected = await waitFor('rejection', async () => {
      const u = (await app.http.get(`/api/uploads/${uploadId}`).set(auth())).body.upload;
      return u.status === 'rejected' ? u : undefined;
    });
    expect(rejected.error).toBe('not an eBook: the content is a PNG image');
    const res = await app.http.post('/api/releases').set(auth()).send({ uploadId, options: { group: 'ESP' } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('UPLOAD_REJECTED');
  });

  it('holds a release of a book with unknown creators for review, saying why, and publishes nothing', async () => {
    const book = path.join(app.dataDir, 'untitled.epub');
    await writeEpub(book, { title: 'Unknown', creators: [{ name: 'Unknown' }] });
    const uploadId = (await upload(book)).body.upload.id;
    const requested = await app.http.post('/api/releases').set(auth()).send({ uploadId, options: { group: 'ESP' } });
    // The same outcome whether or not the upload was read before the request arrived.
    expect(requested.status).toBe(202);
    const release = await settled(requested.body.release.id);
    expect(release).toMatchObject({ state: 'review', name: null });
    expect(release.reviewReasons).toEqual(expect.arrayContaining(['neither an author nor a publisher is known']));
    expect(release.files).toEqual([]);

    // Another such book asked for once its upload has surely been read: held the same way, not refused.
    const read = path.join(app.dataDir, 'untitled-read.epub');
    await writeEpub(read, { title: 'Nameless', creators: [] });
    const readId = (await upload(read)).body.upload.id;
    await waitFor('inspection', async () => (await app.http.get(`/api/uploads/${readId}`).set(auth())).body.upload.status === 'inspected');
    const again = await app.http.post('/api/releases').set(auth()).send({ uploadId: readId, options: { group: 'ESP' } });
    expect(again.status).toBe(202);
    expect(await settled(again.body.release.id)).toMatchObject({ state: 'review', name: null, reviewReasons: expect.arrayContaining(['neither an author nor a publisher is known']) });
  });

  it('runs the inspect job first for a release requested before its upload is inspected', async () => {
    const releaseId = await withInspectionsPaused(app, async () => {
      const book = path.join(app.dataDir, 'unread.epub');
      await writeEpub(book, { title: 'Read After Asking', creators: [{ name: 'Ada Lovelace' }], date: '2015-03-01', publisher: 'Tor Books', language: 'en' });
      const uploadId = (await upload(book)).body.upload.id;
      const requested = await app.http.post('/api/releases').set(auth()).send({ uploadId, options: { group: 'ESP', source: 'RETAIL', proofUrl: PROOF } });
      expect(requested.status).toBe(202);
      const releaseId: string = requested.body.release.id;
      expect((await app.http.get(`/api/uploads/${uploadId}`).set(auth())).body.upload.status).toBe('stored');
      // The flow enrich <- inspect: the enrich job waits for its child.
      expect(await stepJob(QueueName.Upload, JobName.Inspect, releaseId)).toMatchObject({ state: 'waiting' });
      expect(await stepJob(QueueName.Enrich, JobName.Enrich, releaseId)).toMatchObject({ state: 'waiting-children' });
      return releaseId;
    });
    const release = await settled(releaseId);
    expect(release).toMatchObject({ state: 'done', error: null });
    expect(await runsOf(releaseId)).toEqual(['upload/inspect', 'enrich/enrich', 'pack/pack']);
  });

  it('cancels a queued release whose flow starts at enrich, before its enrich job starts', async () => {
    const book = path.join(app.dataDir, 'cancel-me.epub');
    await writeEpub(book, { title: 'Cancelled Before Enrich' });
    const uploadId = (await upload(book)).body.upload.id;
    await waitFor('inspection', async () => (await app.http.get(`/api/uploads/${uploadId}`).set(auth())).body.upload.status === 'inspected');
    const enrich = app.context.queue.queue(QueueName.Enrich);
    await enrich.pause();
    try {
      const requested = await app.http.post('/api/releases').set(auth()).send({ uploadId, options: { group: 'ESP' } });
      expect(requested.body.release).toMatchObject({ state: 'queued' });
      const releaseId = requested.body.release.id;
      expect(await stepJob(QueueName.Enrich, JobName.Enrich, releaseId)).toMatchObject({ state: 'waiting' });
      const cancelled = await app.http.post(`/api/releases/${releaseId}/cancel`).set(auth());
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.release).toMatchObject({ state: 'cancelled' });
      expect(await stepJob(QueueName.Enrich, JobName.Enrich, releaseId)).toBeUndefined();
    } finally {
      await enrich.resume();
    }
  });

  it('keeps operators to their own uploads and releases', async () => {
    const other = await app.createUser('operator');
    const book = path.join(app.dataDir, 'private.epub');
    await writeEpub(book, { title: 'Private Book' });
    const uploadId = (await upload(book)).body.upload.id;
    const res = await app.http.get(`/api/uploads/${uploadId}`).set(as(other));
    expect(res.status).toBe(404);
    const steal = await app.http.post('/api/releases').set(as(other)).send({ uploadId, options: { group: 'ESP' } });
    expect(steal.status).toBe(404);
    const list = await app.http.get('/api/releases').set(as(other));
    expect(list.body.releases).toEqual([]);
  });
});
