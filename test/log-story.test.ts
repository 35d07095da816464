import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { startTestApp, TestApp } from './support/test-app';
import { childEnv, fromSources, startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Log correlation: every log line a release's jobs write (in a real worker process) names the
 * release, the job and the API request that asked for the release, and `npm run story -- <id>`
 * (db/cli.ts story) tells the release's whole story from the log files and job_runs, in time order.
 */
const run = promisify(execFile);
const REQUEST_ID = 'story-test-request-0001';
let app: TestApp;
let worker: ReturnType<typeof startWorker>;
let operator: { token: string };
let releaseId: string;

beforeAll(async () => {
  app = await startTestApp();
  operator = await app.createUser('operator', 'story@example.test');
  const book = path.join(app.dataDir, 'story.epub');
  await writeEpub(book, { title: 'A Story Told', date: '2019-05-02', publisher: 'Tor Books' });
  const auth = { Authorization: `Bearer ${operator.token}` };
  const uploadId = (await app.http.post('/api/uploads').set(auth).attach('file', book)).body.upload.id;
  const requested = await app.http
    .post('/api/releases')
    .set({ ...auth, 'X-Request-Id': REQUEST_ID })
    .send({ uploadId, options: { group: 'ESP', proofUrl: 'https://books.example.test/story' } });
  expect(requested.status).toBe(202);
  releaseId = requested.body.release.id;
  // The worker starts after the request, so the upload was not inspected yet and the release's flow
  // has all three steps (a release of an inspected upload starts at enrich: pipeline.test.ts).
  worker = await startReadyWorker(app.env, app.context.queue);
  await waitFor('the release to be packed', async () => (await app.http.get(`/api/releases/${releaseId}`).set(auth)).body.release.state === 'done', 90_000);
}, 120_000);
afterAll(async () => {
  await stopWorker(worker);
  await app.close();
});

function loggedLines(): Record<string, unknown>[] {
  const dir = path.join(app.dataDir, 'logs');
  return fs
    .readdirSync(dir)
    .filter((f) => /^app-\d{4}-\d{2}-\d{2}\.log$/.test(f))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const story = (id: string) => run(process.execPath, [...fromSources('db/cli.ts'), 'story', id], { env: childEnv(app.env), cwd: path.resolve(__dirname, '..') });

describe('release log correlation', () => {
  it('names the release, the job and the request on every line the release jobs log', async () => {
    const jobLines = loggedLines().filter((l) => l.jobId && l.releaseId === releaseId);
    expect(jobLines.length).toBeGreaterThan(5);
    for (const line of jobLines) expect(line).toMatchObject({ requestId: REQUEST_ID, queue: expect.any(String), jobId: expect.any(String) });
    // inspect and enrich (the flow the request started) and pack (enqueued by the enrich job) all carry it.
    expect(new Set(jobLines.map((l) => l.jobId))).toEqual(new Set([`inspect-${releaseId}`, `enrich-${releaseId}`, `pack-${releaseId}`]));
    // Every line a job of this release writes names it: none of its jobs logs without the release id.
    const ofItsJobs = loggedLines().filter((l) => typeof l.jobId === 'string' && (l.jobId as string).endsWith(releaseId));
    expect(ofItsJobs.every((l) => l.releaseId === releaseId)).toBe(true);
  });

  it('tells the whole story in time order with one command', async () => {
    const { stdout } = await story(releaseId);
    const lines = stdout.trim().split('\n');
    const times = lines.map((l) => Date.parse(l.split(' ')[0]));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const at = (pattern: RegExp) => {
      const index = lines.findIndex((l) => pattern.test(l));
      if (index < 0) throw new Error(`no line matches ${pattern} in the story:\n${stdout}`);
      return index;
    };
    // The request that asked for it (its access log line names only the request), then each job.
    const asked = at(new RegExp(`\\[request ${REQUEST_ID}\\] request .*"path":"/api/releases"`));
    expect(at(new RegExp(`\\[request ${REQUEST_ID}\\] release requested .*"inspection":"queued"`))).toBeLessThan(asked);
    const inspected = at(new RegExp(`\\[inspect-${releaseId}\\] job completed .*"attempt":1`));
    // The enrich job enqueues the pack job before it logs its own completion, so the pack job may
    // start before that line: the order is the book's enrichment, then the pack job.
    const enriched = at(new RegExp(`\\[enrich-${releaseId}\\] release enriched`));
    expect(at(new RegExp(`\\[enrich-${releaseId}\\] job completed`))).toBeGreaterThan(enriched);
    const packStarted = at(new RegExp(`\\[pack-${releaseId}\\] job started`));
    const packed = at(new RegExp(`\\[pack-${releaseId}\\] release packed`));
    const packDone = at(new RegExp(`\\[pack-${releaseId}\\] job completed`));
    expect(asked).toBeLessThan(inspected);
    expect(inspected).toBeLessThan(enriched);
    expect(enriched).toBeLessThan(packStarted);
    expect(packStarted).toBeLessThan(packed);
    expect(packed).toBeLessThanOrEqual(packDone);
    // Nothing of another release or of unrelated requests.
    expect(lines.filter((l) => /\[request /.test(l)).every((l) => l.includes(REQUEST_ID))).toBe(true);
  }, 60_000);

  it('falls back to the job runs for attempts the logs no longer tell of', async () => {
    const logs = path.join(app.dataDir, 'logs');
    fs.renameSync(logs, `${logs}.away`);
    try {
      const lines = (await story(releaseId)).stdout.trim().split('\n');
      expect(lines.map((l) => l.replace(/^\S+ +\S+ +/, ''))).toEqual([
        `job [inspect-${releaseId}] upload/inspect attempt 1 started`,
        `job [inspect-${releaseId}] upload/inspect attempt 1 completed`,
        `job [enrich-${releaseId}] enrich/enrich attempt 1 started`,
        `job [enrich-${releaseId}] enrich/enrich attempt 1 completed`,
        `job [pack-${releaseId}] pack/pack attempt 1 started`,
        `job [pack-${releaseId}] pack/pack attempt 1 completed`,
      ]);
    } finally {
      fs.renameSync(`${logs}.away`, logs);
    }
  }, 60_000);

  it('answers an unknown release with an error and exit code 1', async () => {
    await expect(story('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('not found') });
  }, 60_000);
});
