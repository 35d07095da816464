import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import knex from 'knex';
import { JobRun, Release, ReleaseFile } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import type { ReconcileReport } from '../jobs/reconcile-report';
import { jobIds } from '../jobs/job-queue';
import { STALLED_TOO_OFTEN } from '../jobs/run-job';
import { JobName, QueueName } from '../lib/domain/queue-names';
import { createRedis, Redis } from '../lib/redis';
import { Scheduler } from '../scheduler/scheduler';
import { dashboardData } from '../console/dashboard-data';
import { dashboardPage } from '../console/views';
import { startPrivateRedis, PrivateRedis } from './support/redis-server';
import { mountSmallDisk } from './support/small-disk';
import { startSwitchableProxy, SwitchableProxy } from './support/switchable-proxy';
import { startTestApp, TestApp } from './support/test-app';
import { TEST_DB } from './support/test-env';
import { exited, startWorker, waitFor } from './support/worker-process';

/**
 * Faults against real processes: worker SIGKILL mid-pack (once, and in a crash loop), Redis
 * stopped longer than the lock with a job active, the releases disk full, the database
 * unreachable, and two users asking for the same release. After each: no release lost, none
 * duplicated, none half-published, the final state right (done after recovery, or failed with a
 * reason), and nothing left in staging once the reconciler has run.
 */
jest.setTimeout(240_000);

let app: TestApp;
let redis: PrivateRedis;
let schedulerRedis: Redis;
let dbProxy: SwitchableProxy | undefined;
let workerEnv: NodeJS.ProcessEnv;
let operator: { token: string };
const BIG_BOOK_BYTES = 200_000_000;
// Releases carry their facts and a store proof, so none waits in review.
const PROOF_URL = 'https://books.example.test/fault-author';
const running = new Set<ReturnType<typeof startWorker>>();

beforeAll(async () => {
  redis = await startPrivateRedis();
  // Packing held to 40 MiB/s: about five seconds for a big book, so a fault can land mid-pack on any machine.
  app = await startTestApp({
    REDIS_URL: redis.url,
    WORKER_LOCK_DURATION_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_SHUTDOWN_TIMEOUT_MS: '5000',
    PACK_MAX_MB_PER_S: '40',
  });
  schedulerRedis = createRedis(app.config, 'worker');
  schedulerRedis.on('error', () => undefined);
  workerEnv = { ...app.env };
  if (TEST_DB === 'mysql') {
    // Workers reach MariaDB through a proxy the DB-outage case cuts; the API keeps its direct line.
    const url = new URL(app.env.DATABASE_URL!);
    dbProxy = await startSwitchableProxy(Number(url.port || 3306), url.hostname);
    url.port = String(dbProxy.port);
    workerEnv.DATABASE_URL = url.toString();
  }
  operator = await app.createUser('operator');
});

afterAll(async () => {
  for (const worker of running) await kill(worker, 'SIGKILL');
  schedulerRedis.disconnect();
  await app.close();
  await dbProxy?.close();
  await redis.close();
});

function launch(env = workerEnv) {
  const worker = startWorker(env);
  running.add(worker);
  return worker;
}

async function kill(worker: ReturnType<typeof startWorker>, signal: NodeJS.Signals) {
  worker.kill(signal);
  await exited(worker);
  running.delete(worker);
}

const auth = (token = operator.token) => ({ Authorization: `Bearer ${token}` });
const releaseOf = async (id: string, token = operator.token) => (await app.http.get(`/api/releases/${id}`).set(auth(token))).body.release;

async function settled(id: string, timeoutMs = 150_000, token = operator.token) {
  return waitFor(`release ${id} to settle`, async () => {
    const r = await releaseOf(id, token);
    return ['done', 'failed', 'cancelled'].includes(r.state) ? r : undefined;
  }, timeoutMs, () => releaseOf(id, token));
}

async function packingUnderWay(id: string) {
  await waitFor('packing to be under way', async () => {
    const r = await releaseOf(id);
    return r.state === 'packing' && r.progress > 25 && r.progress < 90;
  }, 90_000, () => releaseOf(id));
}

/** A comic book archive holding one large stored page: big enough that packing takes a while. */
async function uploadBook(name: string, bytes = BIG_BOOK_BYTES, token = operator.token): Promise<string> {
  const work = fs.mkdtempSync(path.join(app.dataDir, 'book-'));
  const page = path.join(work, 'p001.jpg');
  fs.writeFileSync(page, name);
  fs.truncateSync(page, bytes);
  const file = path.join(work, name);
  execFileSync('zip', ['-0', '-q', '-j', file, page]);
  const res = await app.http.post('/api/uploads').set(auth(token)).attach('file', file);
  fs.rmSync(work, { recursive: true });
  expect(res.status).toBe(202);
  return res.body.upload.id;
}

async function requestRelease(uploadId: string, title: string, token = operator.token, extra: object = {}) {
  return app.http
    .post('/api/releases')
    .set(auth(token))
    .send({ uploadId, options: { group: 'ESP', volumeSizeMb: 50, proofUrl: PROOF_URL, overrides: { title, authors: ['Fault Author'], year: 2020, language: 'en', ...extra } } });
}

async function newRelease(title: string, bytes = BIG_BOOK_BYTES): Promise<string> {
  const res = await requestRelease(await uploadBook(`${title.replace(/\W/g, '')}.cbz`, bytes), title);
  expect(res.status).toBe(202);
  return res.body.release.id;
}

/** One reconciler run, as the scheduler does it (under its lock), against a releases folder. */
async function reconcileNow(releasesDir = app.config.storage.releasesDir): Promise<ReconcileReport> {
  const scheduler = new Scheduler({ ...app.config, storage: { ...app.config.storage, releasesDir } }, app.context.logger, schedulerRedis);
  try {
    const report = await scheduler.run.reconcile({ graceMs: 0 });
    if (!report) throw new Error('the reconcile lock was held');
    return report;
  } finally {
    await scheduler.stop();
  }
}

const incomingOf = (releasesDir: string) => fs.readdirSync(path.join(releasesDir, '.incoming'), { withFileTypes: true }).map((e) => e.name);

/**
 * After the reconciler: every release settled; each done release's folder whole (files = rows,
 * zips test clean, SFV checks) and the only folder of its name; no folder of a release that is not
 * done; failed ones with a reason and no files; no staging, no job_runs left active.
 */
async function expectConsistent(releasesDir = app.config.storage.releasesDir): Promise<ReconcileReport> {
  const report = await reconcileNow(releasesDir);
  expect(incomingOf(releasesDir)).toEqual([]);
  expect(await JobRun.query().where({ state: 'active' })).toEqual([]);
  const rows = await Release.query();
  expect(rows.filter((r) => !['done', 'failed', 'cancelled'].includes(r.state))).toEqual([]);
  const done = rows.filter((r) => r.state === 'done');
  const folders = fs.readdirSync(releasesDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  if (releasesDir === app.config.storage.releasesDir) expect(folders.sort()).toEqual(done.map((r) => r.name).sort());
  for (const release of rows.filter((r) => r.state === 'failed')) {
    expect(release.error).toBeTruthy();
    expect(release.name).toBeNull();
  }
  for (const release of done.filter((r) => folders.includes(r.name!))) {
    const dir = path.join(releasesDir, release.name!);
    const onDisk = fs.readdirSync(dir).sort();
    expect((await ReleaseFile.query().where({ releaseId: release.id })).map((f) => f.fileName).sort()).toEqual(onDisk);
    for (const zip of onDisk.filter((f) => f.endsWith('.zip'))) execFileSync('unzip', ['-tq', path.join(dir, zip)]);
    execFileSync('cksfv', ['-q', '-C', dir, '-f', path.join(releasesDir, '.checksums', `${release.name}.sfv`)]);
  }
  if (releasesDir === app.config.storage.releasesDir) {
    expect(report.foldersWithoutRow).toEqual([]);
    expect(report.rowsWithoutFolder).toEqual([]);
  }
  return report;
}

describe('faults', () => {
  it('SIGKILL mid-pack: the staging folder is reclaimed, the lost run closed, and a new worker publishes the release once', async () => {
    const first = launch();
    const id = await newRelease('Killed Once');
    await packingUnderWay(id);
    await kill(first, 'SIGKILL');
    expect(incomingOf(app.config.storage.releasesDir)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 3000)); // the dead worker's 2 s lock runs out

    const report = await reconcileNow();
    expect(report.stagingRemoved).toHaveLength(1);
    expect(report.jobRunsClosed).toBe(1);
    expect(incomingOf(app.config.storage.releasesDir)).toEqual([]);
    expect((await JobRun.query().where({ releaseId: id, jobName: 'pack' })).map((r) => r.state)).toEqual(['failed']);

    const second = launch();
    try {
      expect(await settled(id)).toMatchObject({ state: 'done' });
    } finally {
      await kill(second, 'SIGTERM');
    }
    await expectConsistent();
  });

  it('a crash loop: a job whose worker dies again and again ends failed with a reason, its staging freed, and can be deleted', async () => {
    const id = await newRelease('Crash Loop');
    const packRuns = () => JobRun.query().where({ releaseId: id, jobName: 'pack' });
    const enrichState = async () => (await app.context.queue.getJobView(QueueName.Enrich, jobIds.releaseStep(JobName.Enrich, id)))?.state;
    for (let round = 0; round < 6; round++) {
      const worker = launch();
      // Each new worker first finds the last one's job stalled: it reruns it (a new run) or, past the limit, fails it.
      const outcome = await waitFor('a new pack run or the failure', async () => {
        const r = await releaseOf(id);
        // Failed, and its leftovers discarded (which gives the name back).
        if (r.state === 'failed' && r.name === null) return 'failed';
        const runs = await packRuns();
        // The enrich job queues the pack job before BullMQ records it completed: killed in that gap,
        // enrich would stall as often as pack, and either could be the one given up.
        return runs.length === round + 1 && runs.some((r) => r.state === 'active') && (await enrichState()) === 'completed' ? 'running' : undefined;
      }, 90_000, async () => packRuns());
      await kill(worker, outcome === 'failed' ? 'SIGTERM' : 'SIGKILL');
      if (outcome === 'failed') break;
      await new Promise((r) => setTimeout(r, 2500)); // the dead worker's lock runs out
    }
    const release = await releaseOf(id);
    // Recorded by the workers from the queue's failure event, not by the reconciler.
    expect(release).toMatchObject({ state: 'failed', step: 'pack', error: STALLED_TOO_OFTEN, name: null });
    expect(incomingOf(app.config.storage.releasesDir)).toEqual([]);
    expect((await app.http.delete(`/api/releases/${id}`).set(auth())).status).toBe(204);
    await expectConsistent();
  });

  it('Redis stopped for longer than the lock with a job active: the release is done once after Redis is back', async () => {
    const worker = launch();
    try {
      const id = await newRelease('Redis Away');
      await packingUnderWay(id);
      await redis.stop();
      await new Promise((r) => setTimeout(r, 6000));
      await redis.start();
      expect(await settled(id)).toMatchObject({ state: 'done' });
      const runs = await JobRun.query().where({ releaseId: id, jobName: 'pack' });
      expect(runs.filter((r) => r.state === 'completed').length).toBeGreaterThanOrEqual(1);
    } finally {
      await kill(worker, 'SIGTERM');
    }
    await expectConsistent();
  });

  it('the database unreachable while packing: the attempt fails, the retry adopts its own published folder, the release is done', async () => {
    const worker = launch();
    try {
      const id = await newRelease('Database Away');
      await packingUnderWay(id);
      let restore: () => void | Promise<void>;
      if (dbProxy) {
        dbProxy.cut();
        restore = () => dbProxy!.restore();
      } else {
        // SQLite: another connection holds the write lock, so every write of the worker times out.
        const { filename } = app.config.database as { filename: string };
        const holder = knex({ client: 'better-sqlite3', connection: { filename }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
        await holder.raw('BEGIN EXCLUSIVE');
        restore = async () => {
          await holder.raw('COMMIT');
          await holder.destroy();
        };
      }
      await new Promise((r) => setTimeout(r, 12_000));
      await restore();
      expect(await settled(id)).toMatchObject({ state: 'done' });
      expect(worker.exitCode).toBeNull();
    } finally {
      await kill(worker, 'SIGTERM');
    }
    await expectConsistent();
  });

  it('the releases disk full: the pack fails with a readable reason, the worker stays up, nothing is left, delete works', async () => {
    const disk = mountSmallDisk('20m', path.join(app.dataDir, 'small-releases'));
    const small = disk.path;
    const worker = launch({ ...workerEnv, RELEASES_FOLDER: small });
    try {
      const id = await newRelease('Disk Full', 50_000_000);
      const release = await settled(id);
      expect(release).toMatchObject({ state: 'failed', step: 'pack', name: null });
      expect(release.error).toMatch(/^the releases disk is full/);
      expect(worker.exitCode).toBeNull();
      expect(worker.output.join('')).not.toMatch(/uncaught|unhandled/i);
      expect(incomingOf(small)).toEqual([]);
      expect((await app.http.post(`/api/releases/${id}/cancel`).set(auth())).body.error.code).toBe('NOT_CANCELLABLE');
      expect((await app.http.delete(`/api/releases/${id}`).set(auth())).status).toBe(204);
      await expectConsistent(small);
    } finally {
      await kill(worker, 'SIGTERM');
      disk.remove();
    }
  });

  it('a folder of the name that no row owns (a database-only restore): the pack fails saying so, and leaves the folder and its SFV as they are', async () => {
    const worker = launch();
    let orphan: string[] = [];
    try {
      const first = await settled(await newRelease('Restored Orphan', 2_000_000));
      expect(first.state).toBe('done');
      const dir = path.join(app.config.storage.releasesDir, first.name);
      const sfv = path.join(app.config.storage.releasesDir, '.checksums', `${first.name}.sfv`);
      orphan = [dir, sfv];
      const contents = () => [fs.readFileSync(sfv, 'hex'), ...fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')])];
      const before = contents();
      // The database goes back to before the release; its files stay.
      await Release.query().deleteById(first.id);

      const again = await requestRelease(first.uploadId, 'Restored Orphan');
      expect(again.status).toBe(202);
      const refused = await settled(again.body.release.id);
      expect(refused).toMatchObject({ state: 'failed', step: 'pack', name: null });
      expect(refused.error).toBe(`a folder named ${first.name} already exists and belongs to another release (or to none: the reconciler lists such folders); it was left as it is`);
      expect(contents()).toEqual(before);
      // The reconciler names it for the operator and removes nothing either.
      expect((await reconcileNow()).foldersWithoutRow).toEqual([first.name]);
      expect(contents()).toEqual(before);
    } finally {
      await kill(worker, 'SIGTERM');
      // What an operator would do with the orphan, so the later tests find a consistent disk.
      for (const target of orphan) fs.rmSync(target, { recursive: true, force: true });
    }
  });

  it('two users, the same book and options: 409 DUPE; a same-name release that slips through fails at pack time and its deletion leaves the first intact', async () => {
    const other = await app.createUser('operator');
    const book = path.join(app.dataDir, 'shared.epub');
    await writeEpub(book, { title: 'Shared Book' });
    const upload = async (token: string) => (await app.http.post('/api/uploads').set(auth(token)).attach('file', book)).body.upload.id;
    const options = { group: 'ESP', proofUrl: PROOF_URL, overrides: { title: 'Shared Book', authors: ['Same Author'], year: 2021, language: 'en' } };
    const first = await app.http.post('/api/releases').set(auth()).send({ uploadId: await upload(operator.token), options });
    expect(first.status).toBe(202);
    const otherUpload = await upload(other.token);
    const dupe = await app.http.post('/api/releases').set(auth(other.token)).send({ uploadId: otherUpload, options });
    expect(dupe.status).toBe(409);
    expect(dupe.body.error).toMatchObject({ code: 'DUPE', message: "This book was already requested with the same naming options: another user's release, not named yet", details: { name: null } });

    const worker = launch();
    try {
      const done = await settled(first.body.release.id);
      expect(done.state).toBe('done');
      const { dir, sfv } = { dir: path.join(app.config.storage.releasesDir, done.name), sfv: path.join(app.config.storage.releasesDir, '.checksums', `${done.name}.sfv`) };
      const before = fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size]);
      // Another ISBN is another book to the request check, but not to the name: it meets the name at pack time.
      const racer = await app.http
        .post('/api/releases')
        .set(auth(other.token))
        .send({ uploadId: otherUpload, options: { ...options, overrides: { ...options.overrides, isbn: '978-0-441-47812-5' } } });
      expect(racer.status).toBe(202);
      const lost = await settled(racer.body.release.id, 60_000, other.token);
      expect(lost).toMatchObject({ state: 'failed', name: null });
      expect(lost.error).toContain(`already taken by release ${first.body.release.id}`);
      expect((await app.http.delete(`/api/releases/${racer.body.release.id}`).set(auth(other.token))).status).toBe(204);
      expect(fs.readdirSync(dir).map((f) => [f, fs.statSync(path.join(dir, f)).size])).toEqual(before);
      expect(fs.existsSync(sfv)).toBe(true);
      expect((await releaseOf(first.body.release.id)).state).toBe('done');
    } finally {
      await kill(worker, 'SIGTERM');
    }
    const report = await expectConsistent();
    const html = dashboardPage(await dashboardData(app.config, app.context.queue, app.context.services.health, 'admin@example.test'));
    expect(html).toContain('Consistency');
    expect(html).toContain(`Last reconciler run ${report.finishedAt}`);
  });
});
