import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { startTestApp, TestApp } from './support/test-app';
import { exited, startWorker, waitFor } from './support/worker-process';

/**
 * Redis restarted while work is queued: a private redis-server (AOF on, as production runs it) is
 * stopped and started again; the API answers 503 meanwhile, and the worker resumes the queued
 * flow once Redis is back. No job is lost.
 */
let app: TestApp;
let redis: ChildProcess;
let redisDir: string;
let port: number;

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port: p } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return p;
}

async function startRedis(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  await waitFor('redis to listen', async () => new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); }).on('error', () => resolve(false));
  }), 10_000);
  return child;
}

beforeAll(async () => {
  port = await freePort();
  redisDir = fs.mkdtempSync('/tmp/esp-redis-');
  redis = await startRedis();
  app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}/0` });
});
afterAll(async () => {
  await app.close();
  redis.kill('SIGTERM');
  await exited(redis);
  fs.rmSync(redisDir, { recursive: true, force: true });
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

  redis.kill('SIGTERM');
  await exited(redis);
  const down = await app.http.post('/api/releases').set('Authorization', `Bearer ${token}`).send({ uploadId: otherUploadId, options: { group: 'ESP' } });
  expect(down.status).toBe(503);
  expect(down.body.error.code).toBe('SERVICE_UNAVAILABLE');
  expect((await app.http.get('/health')).status).toBe(503);

  const worker = startWorker(app.env);
  await new Promise((r) => setTimeout(r, 1000));
  redis = await startRedis();
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
