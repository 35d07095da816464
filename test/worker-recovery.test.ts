import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { JobRun, ReleaseFile } from '../db/models';
import { WORKER_LOST } from '../jobs/run-job';
import { startTestApp, TestApp } from './support/test-app';
import { exited, startWorker, waitFor } from './support/worker-process';

/**
 * Crash and shutdown behaviour with real processes: a worker killed with SIGKILL mid-pack, and a
 * worker stopped with SIGTERM while packing.
 */
let app: TestApp;
let operator: { token: string };
// Each case waits up to 50 s for packing to start and 90 s for the outcome (a loaded machine is slow).
jest.setTimeout(180_000);
const BOOK_BYTES = 200_000_000;
// Packing held to 50 MiB/s: about four seconds for the book, so "mid-pack" lasts long enough to catch on any machine.
const PACK_MAX_MB_PER_S = '50';

beforeAll(async () => {
  app = await startTestApp({ WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000', WORKER_SHUTDOWN_TIMEOUT_MS: '60000', PACK_MAX_MB_PER_S });
  operator = await app.createUser('operator');
});
afterAll(() => app.close());

async function uploadBigBook(name: string): Promise<string> {
  // A comic book archive holding one large stored page: big enough that packing takes a moment.
  const work = fs.mkdtempSync(path.join(app.dataDir, 'book-'));
  const page = path.join(work, 'p001.jpg');
  fs.writeFileSync(page, name);
  fs.truncateSync(page, BOOK_BYTES);
  const file = path.join(work, name);
  execFileSync('zip', ['-0', '-q', '-j', file, page]);
  const res = await app.http.post('/api/uploads').set('Authorization', `Bearer ${operator.token}`).attach('file', file);
  fs.rmSync(work, { recursive: true });
  expect(res.status).toBe(202);
  return res.body.upload.id;
}

async function requestRelease(uploadId: string, title: string): Promise<string> {
  const res = await app.http
    .post('/api/releases')
    .set('Authorization', `Bearer ${operator.token}`)
    .send({
      uploadId,
      options: {
        group: 'ESP',
        volumeSizeMb: 50,
        proofUrl: 'https://comics.example.test/test-author',
        // A bare comic archive carries no facts: the operator gives them, so nothing waits in review.
        overrides: { title, authors: ['Test Author'], year: 2020, language: 'en' },
      },
    });
  expect(res.status).toBe(202);
  return res.body.release.id;
}

const releaseOf = async (id: string) => (await app.http.get(`/api/releases/${id}`).set('Authorization', `Bearer ${operator.token}`)).body.release;

describe('worker crash and shutdown', () => {
  it('a worker killed with SIGKILL mid-pack: the job stalls, another worker reruns it, the result is single and whole', async () => {
    const first = startWorker(app.env);
    const uploadId = await uploadBigBook('crash.cbz');
    const releaseId = await requestRelease(uploadId, 'Crash Test');
    await waitFor('packing to be under way', async () => {
      const r = await releaseOf(releaseId);
      return r.state === 'packing' && r.progress > 25 && r.progress < 90;
    }, 50_000, () => releaseOf(releaseId));
    first.kill('SIGKILL');
    await exited(first);
    expect((await releaseOf(releaseId)).state).toBe('packing');

    const second = startWorker(app.env);
    try {
      const release = await waitFor('the rerun to finish', async () => {
        const r = await releaseOf(releaseId);
        return r.state === 'done' || r.state === 'failed' ? r : undefined;
      }, 90_000);
      expect(release.state).toBe('done');
      const dir = path.join(app.config.storage.releasesDir, release.name);
      const onDisk = fs.readdirSync(dir).sort();
      expect(onDisk).toHaveLength(7); // 5 zips of at most 50 MB, the NFO and the DIZ
      expect(onDisk.filter((f) => f.endsWith('.zip'))).toHaveLength(5);
      expect((await ReleaseFile.query().where({ releaseId })).map((f) => f.fileName).sort()).toEqual(onDisk);
      for (const zip of onDisk.filter((f) => f.endsWith('.zip'))) execFileSync('unzip', ['-tq', path.join(dir, zip)]);
      // Only finished releases are visible; the killed attempt's work folder is hidden under .incoming.
      expect(fs.readdirSync(app.config.storage.releasesDir).filter((f) => !f.startsWith('.'))).toEqual([release.name]);
      const packRuns = await JobRun.query().where({ releaseId, jobName: 'pack' }).orderBy('id');
      // The killed attempt's run is closed by the rerun, saying why; the rerun completed.
      expect(packRuns.map((r) => [r.state, r.error])).toEqual([['failed', WORKER_LOST], ['completed', null]]);
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
  });

  it('SIGTERM while packing: the worker finishes the job, then exits cleanly', async () => {
    const worker = startWorker(app.env);
    const uploadId = await uploadBigBook('graceful.cbz');
    const releaseId = await requestRelease(uploadId, 'Graceful Test');
    await waitFor('packing to be under way', async () => {
      const r = await releaseOf(releaseId);
      return r.state === 'packing' && r.progress < 90;
    }, 60_000);
    worker.kill('SIGTERM');
    expect(await exited(worker)).toBe(0);
    const release = await releaseOf(releaseId);
    expect(release.state).toBe('done');
    expect(worker.output.join('')).not.toMatch(/Error/);
  });
});
