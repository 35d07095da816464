import fs from 'node:fs';
import path from 'node:path';
import { Release } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { jobIds } from '../jobs/job-queue';
import { JobName, QueueName } from '../lib/domain/queue-names';
import { as, Caller, PipelineWorld, startPipelineWorld } from './support/pipeline-world';
import type { TestApp } from './support/test-app';
import { waitFor } from './support/worker-process';

/**
 * A step's job run again after its release has moved on. BullMQ runs a job again when its lock
 * expired, as when a hostile book held the worker's event loop for minutes: the late run must
 * leave the release as it is, never drag a published release back to `enriching` (where the
 * reconciler would in time fail it and delete its files) or pack a cancelled one.
 */
let world: PipelineWorld<'owner'>;
let app: TestApp;
let owner: Caller;

beforeAll(async () => {
  world = await startPipelineWorld({ users: { owner: ['operator'] } });
  ({ app, users: { owner } } = world);
}, 90_000);
afterAll(() => world.close());

const PROOF = 'https://books.example.test/late-runs';

async function requested(file: string, title: string, options: Record<string, unknown>): Promise<string> {
  const book = path.join(app.dataDir, file);
  await writeEpub(book, { title, creators: [{ name: 'Ursula K. Le Guin' }], date: '1971-01-01', publisher: 'Ace Books', language: 'en' });
  const uploadId = await world.upload(owner, book);
  const res = await app.http.post('/api/releases').set(as(owner)).send({ uploadId, options: { group: 'ESP', ...options } });
  expect(res.status).toBe(202);
  return res.body.release.id;
}

/** Runs the release's `step` job again under its own id, as BullMQ does with a stalled job, until it has finished. */
async function runLate(queueName: QueueName, step: JobName, releaseId: string): Promise<string> {
  const queue = app.context.queue.queue(queueName);
  const jobId = jobIds.releaseStep(step, releaseId);
  await queue.remove(jobId);
  await queue.add(step, { releaseId }, { jobId });
  return waitFor(`the late ${step} job`, async () => {
    const job = await queue.getJob(jobId);
    return job?.finishedOn ? job.getState() : undefined;
  });
}

const row = async (id: string) => {
  const { state, step, progress, name, error, finishedAt, reviewReasons } = (await Release.query().findById(id))!;
  return { state, step, progress, name, error, finishedAt, reviewReasons };
};

describe('late job runs', () => {
  it('leave a published release done, with its name and files, whichever step runs late', async () => {
    const id = await requested('late-done.epub', 'The Lathe of Heaven', { proofUrl: PROOF });
    const done = await world.waitForRelease(owner, id);
    expect(done.state).toBe('done');
    const before = await row(id);
    const folder = path.join(app.config.storage.releasesDir, done.name);
    const files = fs.readdirSync(folder).map((file) => [file, fs.statSync(path.join(folder, file)).mtimeMs]);

    expect(await runLate(QueueName.Enrich, JobName.Enrich, id)).toBe('completed');
    expect(await runLate(QueueName.Pack, JobName.Pack, id)).toBe('completed');
    expect(await row(id)).toEqual(before);
    expect(fs.readdirSync(folder).map((file) => [file, fs.statSync(path.join(folder, file)).mtimeMs])).toEqual(files);
    expect((await app.http.get(`/api/releases/${id}/archive`).set(as(owner))).status).toBe(200);
  });

  it('leave a release in review waiting, and a cancelled one cancelled with nothing published', async () => {
    // A RETAiL release without its proof waits in review for an edit.
    const id = await requested('late-review.epub', 'The Word for World Is Forest', {});
    expect((await world.waitForRelease(owner, id)).state).toBe('review');
    const inReview = await row(id);
    expect(await runLate(QueueName.Enrich, JobName.Enrich, id)).toBe('completed');
    expect(await runLate(QueueName.Pack, JobName.Pack, id)).toBe('completed');
    expect(await row(id)).toEqual(inReview);

    expect((await app.http.post(`/api/releases/${id}/cancel`).set(as(owner))).status).toBe(200);
    const cancelled = await row(id);
    expect(cancelled.state).toBe('cancelled');
    expect(await runLate(QueueName.Pack, JobName.Pack, id)).toBe('completed');
    expect(await runLate(QueueName.Enrich, JobName.Enrich, id)).toBe('completed');
    expect(await row(id)).toEqual(cancelled);
    expect(fs.readdirSync(app.config.storage.releasesDir).filter((entry) => entry.includes('Word.for.World'))).toEqual([]);
  });
});
