import path from 'node:path';
import { JobRun } from '../db/models';
import { jobIds } from '../jobs/job-queue';
import { writeEpub, writeMobi, writePdf } from '../jobs/inspect/fixtures/books';
import { XML_ATTACKS } from '../jobs/inspect/fixtures/xml-attacks';
import { JobName, QueueName } from '../lib/domain/queue-names';
import { startTestApp, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Books that can never become releases, through the real pipeline (HTTP, a real worker process,
 * Redis, the database): XML attacks in the package documents and DRM-protected files. Each is
 * refused by its first inspection, never retried, with a reason a user understands stored on the
 * upload and on the release.
 */
let app: TestApp;
let operator: { token: string };
let worker: ReturnType<typeof startWorker> | undefined;

beforeAll(async () => {
  app = await startTestApp();
  operator = await app.createUser('operator');
}, 60_000);
afterAll(async () => {
  if (worker) await stopWorker(worker);
  await app.close();
});

const auth = () => ({ Authorization: `Bearer ${operator.token}` });
const DRM = 'the rules do not allow DRM-protected files';

interface BadBook {
  file: string;
  write(filePath: string): Promise<void> | void;
  reason: string;
}

const BAD_BOOKS: BadBook[] = [
  ...Object.entries(XML_ATTACKS).map(([name, doctype], i) => {
    const where = i % 2 === 0 ? 'opf' : 'container';
    return {
      file: `${name}-${where}.epub`,
      write: (filePath: string) => writeEpub(filePath, { title: `Attack ${name}`, prologue: { [where]: doctype } }),
      reason: `the EPUB's ${where === 'opf' ? 'package document' : 'container.xml'} declares entities, which eBooks never need`,
    };
  }),
  {
    file: 'adept.epub',
    write: (filePath) => writeEpub(filePath, { title: 'Adept', extraFiles: { 'META-INF/rights.xml': '<rights xmlns="http://ns.adobe.com/adept"/>' } }),
    reason: `the book is DRM-protected (Adobe ADEPT, META-INF/rights.xml); ${DRM}`,
  },
  {
    file: 'drm.azw3',
    write: (filePath) => writeMobi(filePath, { author: 'Hilary Mantel', title: 'Wolf Hall' }, 2),
    reason: `the book is DRM-protected (Mobipocket encryption type 2 in the MOBI header); ${DRM}`,
  },
  {
    file: 'locked.pdf',
    write: (filePath) => writePdf(filePath, { title: 'The Hobbit', encrypt: { ownerPassword: 'owner', userPassword: 'secret' } }),
    reason: `the book is DRM-protected (PDF encryption with a password needed to open it); ${DRM}`,
  },
];

describe('books refused at inspection', () => {
  it('are refused once, on the upload and in the release flow, with the reason stored on both', async () => {
    // Uploaded and requested while no worker runs, so both inspections (the upload's and the
    // release flow's first step) meet the same file.
    const requests: { book: BadBook; uploadId: string; releaseId: string }[] = [];
    for (const book of BAD_BOOKS) {
      const filePath = path.join(app.dataDir, book.file);
      await book.write(filePath);
      const uploaded = await app.http.post('/api/uploads').set(auth()).attach('file', filePath);
      expect(uploaded.status).toBe(202);
      const requested = await app.http
        .post('/api/releases')
        .set(auth())
        .send({ uploadId: uploaded.body.upload.id, options: { group: 'ESP', overrides: { title: `Refused ${book.file}`, authors: ['Some Author'], year: 2012 } } });
      expect(requested.status).toBe(202);
      requests.push({ book, uploadId: uploaded.body.upload.id, releaseId: requested.body.release.id });
    }
    worker = await startReadyWorker(app.env, app.context.queue);

    for (const { book, uploadId, releaseId } of requests) {
      const release = await waitFor(`release of ${book.file} to fail`, async () => {
        const res = await app.http.get(`/api/releases/${releaseId}`).set(auth());
        return res.body.release.state === 'failed' ? res.body.release : undefined;
      }, 60_000);
      expect(release).toMatchObject({ step: 'inspect', error: `not a usable eBook: ${book.reason}` });
      const upload = (await app.http.get(`/api/uploads/${uploadId}`).set(auth())).body.upload;
      expect(upload).toMatchObject({ status: 'rejected', error: book.reason });

      // Each inspection job ran once and is failed for good in the queue, not waiting to retry.
      const jobs = [
        { id: jobIds.uploadInspection(uploadId), subject: { uploadId } },
        { id: jobIds.releaseStep(JobName.Inspect, releaseId), subject: { releaseId } },
      ];
      for (const job of jobs) {
        const view = await waitFor(`job ${job.id} to fail`, async () => {
          const found = await app.context.queue.getJobView(QueueName.Upload, job.id);
          return found?.state === 'failed' ? found : undefined;
        });
        expect(view.attemptsMade).toBe(1);
        const runs = await JobRun.query().where({ jobId: job.id });
        expect(runs).toEqual([expect.objectContaining({ attempt: 1, state: 'failed', ...job.subject })]);
        expect(runs[0].error).toContain(book.reason);
        // The parser's own words never reach the user.
        expect(runs[0].error).not.toMatch(/External entities|Entity .* exceeds|Invalid entity/);
      }
    }
  }, 180_000);
});
