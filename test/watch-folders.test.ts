import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Release, Upload, WatchFolderFile } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { recentWatchOutcomes } from '../console/watch-folder-outcomes';
import { dashboardPage } from '../console/views';
import { ApiProcess, startApiProcess } from './support/api-process';
import { startTestApp, TestApp } from './support/test-app';
import { childEnv, exited, fromSources, startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Watch folders end to end: the real scheduler process watches a group's folder and ingests
 * through the real API process, a real worker packs; the scheduler is stopped and started again
 * while files arrive.
 */
const ROOT = path.resolve(__dirname, '..');
const PROOF = 'https://www.example.com/store/watched';

let app: TestApp;
let api: ApiProcess;
let worker: ReturnType<typeof startWorker>;
let admin: { token: string; user: { id: number } };
let inbox: string;
let scheduler: (ChildProcess & { output: string[] }) | undefined;

function startScheduler(): ChildProcess & { output: string[] } {
  const env = childEnv({ ...app.env, HEALTH_URL: `http://127.0.0.1:${api.port}/health`, WATCH_SCAN_INTERVAL_MS: '1000', WATCH_STABLE_MS: '1500' });
  const child = spawn(process.execPath, fromSources('scheduler/main.ts'), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & { output: string[] };
  child.output = [];
  child.stdout!.on('data', (d) => child.output.push(String(d)));
  child.stderr!.on('data', (d) => child.output.push(String(d)));
  return child;
}

async function stopScheduler(): Promise<void> {
  if (!scheduler) return;
  scheduler.kill('SIGTERM');
  await exited(scheduler);
  scheduler = undefined;
}

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin');
  inbox = path.join(app.dataDir, 'inbox');
  fs.mkdirSync(inbox);
  api = await startApiProcess(app.env);
  worker = await startReadyWorker(app.env, app.context.queue);
}, 120_000);
afterAll(async () => {
  await stopScheduler();
  await stopWorker(worker);
  await api?.stop();
  await app.close();
});

const as = () => ({ Authorization: `Bearer ${admin.token}` });
/** Everything the processes logged (the log folder of the test's data dir). */
const logText = () => {
  const dir = path.dirname(app.config.log.file);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => !f.endsWith('.gz') && fs.statSync(path.join(dir, f)).isFile()).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n') : '';
};
const outcome = (fileName: string) => WatchFolderFile.query().findOne({ fileName });
const bookAt = async (file: string, title: string) => writeEpub(file, { title, creators: [{ name: 'Wanda Watcher' }], publisher: 'Folder Press', date: '2022-05-06' });

describe('watch folders', () => {
  it('refuses a watch folder that is not an absolute path, and stores a valid one on the group', async () => {
    const bad = await app.http.post('/api/groups').set(as()).send({ tag: 'BADW', name: 'Bad', watchFolder: { path: 'relative/inbox' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields).toEqual([expect.objectContaining({ field: 'watchFolder.path' })]);

    const created = await app.http
      .post('/api/groups')
      .set(as())
      .send({ tag: 'WATCH', name: 'Watched', memberIds: [admin.user.id], watchFolder: { path: inbox, options: { proofUrl: PROOF }, afterIngest: 'move' } });
    expect(created.status).toBe(201);
    expect(created.body.group.watchFolder).toEqual({ path: inbox, options: { proofUrl: PROOF, source: 'RETAIL', type: 'EBOOK', overrides: {} }, afterIngest: 'move', enabled: true });
  });

  it('ingests books once they stop growing, keeps going across a scheduler restart, and never ingests a file twice', async () => {
    const uploadsBefore = await Upload.query().resultSize();
    scheduler = startScheduler();

    // One book arrives whole; another is written slowly in pieces (each gap shorter than WATCH_STABLE_MS).
    const whole = path.join(app.dataDir, 'whole.epub');
    await bookAt(whole, 'The Whole Book');
    fs.renameSync(whole, path.join(inbox, 'whole.epub'));
    const slowSource = path.join(app.dataDir, 'slow-source.epub');
    await writeEpub(slowSource, { title: 'The Slow Book', creators: [{ name: 'Wanda Watcher' }], publisher: 'Folder Press', date: '2022-05-06', paddingBytes: 600_000 });
    const bytes = fs.readFileSync(slowSource);
    const slow = path.join(inbox, 'slow.epub');
    const pieces = 6;
    for (let i = 0; i < pieces; i++) {
      fs.appendFileSync(slow, bytes.subarray(Math.floor((i * bytes.length) / pieces), Math.floor(((i + 1) * bytes.length) / pieces)));
      await new Promise((r) => setTimeout(r, 400));
    }
    fs.writeFileSync(path.join(inbox, 'notes.txt'), 'not a book');

    await waitFor('both books to be requested', async () => (await WatchFolderFile.query().where({ state: 'requested' }).resultSize()) === 2, 90_000, async () => await WatchFolderFile.query());
    const slowRow = (await outcome('slow.epub'))!;
    // Ingested whole: the upload has every byte, so the slow book was not taken while it grew.
    expect(await Upload.query().findById(slowRow.uploadId!)).toMatchObject({ size: bytes.length });
    // The file is moved into done/ just after its row says `requested`.
    const done = () => (fs.existsSync(path.join(inbox, 'done')) ? fs.readdirSync(path.join(inbox, 'done')).sort() : []);
    await waitFor('both books to be moved into done/', async () => done().length >= 2, 30_000);
    expect(done()).toEqual(['slow.epub', 'whole.epub']);
    expect(fs.existsSync(path.join(inbox, 'notes.txt'))).toBe(true);
    await waitFor('the ingest log lines', async () => (logText().match(/watch folder file ingested/g) ?? []).length >= 2);

    // While the scheduler is down: a new book, a fake one, and the whole book dropped again.
    await stopScheduler();
    await bookAt(path.join(inbox, 'later.epub'), 'The Later Book');
    fs.writeFileSync(path.join(inbox, 'fake.epub'), 'plain text wearing an .epub name');
    fs.copyFileSync(path.join(inbox, 'done', 'whole.epub'), path.join(inbox, 'again.epub'));
    scheduler = startScheduler();

    await waitFor('the restarted scheduler to settle every file', async () => fs.readdirSync(inbox).filter((f) => f.endsWith('.epub')).length === 0, 90_000, async () => ({
      inbox: fs.readdirSync(inbox),
      rows: await WatchFolderFile.query(),
    }));
    expect(await outcome('later.epub')).toMatchObject({ state: 'requested', releaseId: expect.any(String) });
    expect(await outcome('fake.epub')).toMatchObject({ state: 'failed', error: expect.stringMatching(/refused/) });
    expect(fs.readdirSync(path.join(inbox, 'failed'))).toEqual(['fake.epub']);
    // The same bytes again went to done/ without a second upload or release.
    expect(fs.readdirSync(path.join(inbox, 'done')).sort()).toEqual(['again.epub', 'later.epub', 'slow.epub', 'whole.epub']);
    expect(await WatchFolderFile.query().resultSize()).toBe(4);
    expect(await Upload.query().resultSize()).toBe(uploadsBefore + 4);

    // The requested releases are packed as any other.
    const released = await WatchFolderFile.query().where({ state: 'requested' });
    await waitFor('the watched releases to be done', async () => (await Release.query().whereIn('id', released.map((r) => r.releaseId!)).where({ state: 'done' }).resultSize()) === 3, 120_000, async () =>
      await Release.query().whereIn('id', released.map((r) => r.releaseId!)),
    );

    // The console lists each outcome with its release's state.
    const shown = await recentWatchOutcomes();
    expect(shown.map((o) => [o.fileName, o.state, o.releaseState]).sort()).toEqual([
      ['fake.epub', 'failed', null],
      ['later.epub', 'requested', 'done'],
      ['slow.epub', 'requested', 'done'],
      ['whole.epub', 'requested', 'done'],
    ]);
    expect(logText().split('\n').filter((line) => line.includes('watch folder file failed') && line.includes('fake.epub'))).toHaveLength(1);
    const html = dashboardPage({ user: 'admin', queues: [], releases: [], failedJobs: [], components: [], system: [], watchFolders: shown });
    expect(html).toMatch(/<h2>Watch folders<\/h2>[\s\S]*fake\.epub[\s\S]*class="bad">failed<\/span>: refused/);
  }, 300_000);
});
