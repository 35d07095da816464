import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { PrivateRedis, startPrivateRedis } from './support/redis-server';
import { startTestApp, TestApp } from './support/test-app';
import { exited, startWorker, waitFor } from './support/worker-process';

/**
 * Redis restarted while work is queued: a private redis-server (AOF on, as production runs it) is
 * stopped and started again; the API answers 503 meanwhile, and the worker resumes the queued
 * flow once Redis is back. No job is lost.
 */
let app: TestApp;
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis();
  app = await startTestApp({ REDIS_URL: redis.url });
});
afterAll(async () => {
  await app.close();
  await redis.close();
});

it('survives a Redis restart with a release queued and no worker yet, then completes it', async () => {
  const { token } = await app.createUser('operator');
  const book = path.join(app.dataDir, 'restart.epub');
  await writeEpub(book, { title: 'Restart Proof', date: '2018-04-02' });
  const uploadId = (await app.http.post('/api/uploads').set('Authorization', `Bearer ${token}`).attach('file', book)).body.upload.id;
  const releaseId = (await app.http.post('/api/releases').set('Authorization', `Bearer ${token}`).send({ uploadId, options: { group: 'ESP', proofUrl: 'https://books.example.test/restart-proof' } })).body.release.id;
  const other = path.join(app.dataDir, 'other.epub');
  await writeEpub(other, { title: 'Another Book' });
  const otherUploadId = (await app.http.post('/api/uploads').set('Authorization', `Bearer ${token}`).attach('file', other)).body.upload.id;

  await redis.stop();
  const down = await app.http.post('/api/releases').set('Authorization', `Bearer ${token}`).send({ uploadId: otherUploadId, options: { group: 'ESP' } });
  expect(down.status).toBe(503);
  expect(down.body.error.code).toBe('SERVICE_UNAVAILABLE');
  expect((await app.http.get('/health')).status).toBe(503);

  const worker = startWorker(app.env);
  await new Promise((r) => setTimeout(r, 1000));
  await redis.start();
  try {
    const release = await waitFor('the release after the restart', async () => {
      const r = (await app.http.get(`/api/releases/${releaseId}`).set('Authorization', `Bearer ${token}`)).body.release;
      return r.state === 'done' || r.state === 'failed' ? r : undefined;
    }, 45_000, async () => {
      const { state, step, error } = (await app.http.get(`/api/releases/${releaseId}`).set('Authorization', `Bearer ${token}`)).body.release;
      return { state, step, error };
    });
    // The year in the name is the book's own (its embedded date), never the year the test runs in.
    expect(release).toMatchObject({ state: 'done', name: 'Ursula.K.Le.Guin.Restart.Proof.2018.RETAiL.ePub.eBook-ESP' });
    expect((await app.http.get('/health')).status).toBe(200);
  } finally {
    worker.kill('SIGTERM');
    await exited(worker);
  }
});
