import { ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Knex } from 'knex';
import { createDatabase, migrateLatest } from '../db/knex';
import { bindModels, Group, JobRun, Release, ReleaseFile, User } from '../db/models';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { hashPassword } from '../lib/password';
import { createRedis } from '../lib/redis';
import { Scheduler } from '../scheduler/scheduler';
import { ReleaseStore } from '../lib/storage';
import { S3ObjectStore, s3ClientOf } from '../lib/storage/s3-object-store';
import { createTestNetwork, Host, namespacesUnavailable, TestNetwork } from './support/netns';
import { S3Server, S3RVER_KEYS, startS3Server } from './support/s3-server';
import { createTestEnv, MYSQL_ROOT_URL, TestEnv, TEST_REDIS_URL } from './support/test-env';
import { childEnv, exited, fromSources, waitFor } from './support/worker-process';

/**
 * Three hosts that share nothing but Redis, MariaDB and S3 over the network: the API and two
 * workers, each in its own network namespace with its own data folder, reaching the shared
 * services only through the bridge. A release is packed through them; the worker packing it is
 * killed midway; the other worker finishes it, and every byte of it lives in S3.
 */
const unavailable = namespacesUnavailable();
if (unavailable) console.log(`multi-host test skipped: ${unavailable}`);
const describeHosts = unavailable ? describe.skip : describe;

jest.setTimeout(420_000);

const ROOT = path.resolve(__dirname, '..');
const BOOK_BYTES = 150_000_000;
const PASSWORD = 'multi host password';
const API_PORT = 5000;

describeHosts('one release across three hosts', () => {
  let network: TestNetwork;
  let s3: S3Server;
  let testEnv: TestEnv;
  let db: Knex;
  let sharedEnv: NodeJS.ProcessEnv;
  const dataDirs: Record<string, string> = {};
  const processes = new Set<ChildProcess>();
  const output: string[] = [];

  function start(host: Host, entry: string, extra: NodeJS.ProcessEnv = {}): ChildProcess {
    const dataDir = (dataDirs[host.name] ??= fs.mkdtempSync(path.join(os.tmpdir(), 'esp-host-')));
    const scratch = path.join(dataDir, 'tmp');
    fs.mkdirSync(scratch, { recursive: true });
    const child = host.spawn(process.execPath, fromSources(entry), { cwd: ROOT, env: childEnv({ ...sharedEnv, DATA_DIR: dataDir, TMPDIR: scratch, ...extra }) });
    child.stdout!.on('data', (d) => output.push(`[${host.name}] ${d}`));
    child.stderr!.on('data', (d) => output.push(`[${host.name}] ${d}`));
    processes.add(child);
    return child;
  }

  beforeAll(async () => {
    s3 = await startS3Server('127.0.0.1');
    network = createTestNetwork();
    testEnv = await createTestEnv({}, 'mysql');
    db = createDatabase(testEnv.config.database);
    await migrateLatest(db);
    bindModels(db);
    const user = await User.query().insertAndFetch({ email: 'hosts@example.test', passwordHash: await hashPassword(PASSWORD, 4), role: 'operator', disabled: false });
    const group = await Group.query().insertAndFetch({ tag: 'ESP', name: 'Group ESP' });
    await Group.relatedQuery('members').for(group.id).relate(user.id);

    // The shared services stay on the root namespace's loopback; the hosts reach them through the bridge only.
    const dbUrl = new URL(testEnv.env.DATABASE_URL!);
    const redisUrl = new URL(TEST_REDIS_URL);
    const mysqlUrl = new URL(MYSQL_ROOT_URL);
    dbUrl.hostname = redisUrl.hostname = network.gateway;
    dbUrl.port = String(await network.forward(Number(mysqlUrl.port || 3306)));
    redisUrl.port = String(await network.forward(Number(redisUrl.port || 6379)));
    const s3Port = await network.forward(s3.port);
    sharedEnv = {
      ...testEnv.env,
      ...s3.env,
      S3_ENDPOINT: `http://${network.gateway}:${s3Port}`,
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: redisUrl.toString(),
      SECRET_KEY: randomBytes(32).toString('hex'),
      JWT_SECRET_KEY: randomBytes(32).toString('hex'),
      WORKER_LOCK_DURATION_MS: '2000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      WORKER_SHUTDOWN_TIMEOUT_MS: '5000',
      // About three seconds of packing for the book, so the first host dies mid-pack on any machine.
      PACK_MAX_MB_PER_S: '50',
    };
  }, 120_000);

  afterAll(async () => {
    for (const child of processes) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await network?.destroy();
    await s3?.stop();
    await db?.destroy();
    await testEnv?.cleanup();
    for (const dir of Object.values(dataDirs)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('packs a release through the API host and two worker hosts; one worker dies mid-pack, the other publishes it to S3', async () => {
    const apiHost = network.addHost('api');
    const workerHosts = [network.addHost('w1'), network.addHost('w2')];
    const api = `http://${apiHost.address}:${API_PORT}`;
    const apiProcess = start(apiHost, 'api/main.ts', { HOST: '0.0.0.0', PORT: String(API_PORT) });
    await waitFor('the API host to answer', async () => {
      if (apiProcess.exitCode !== null) throw new Error(`the API exited: ${output.join('')}`);
      return fetch(`${api}/health`).then((r) => r.status < 500, () => false);
    }, 120_000);

    const login = await fetch(`${api}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'hosts@example.test', password: PASSWORD }) });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const auth = { Authorization: `Bearer ${accessToken}` };
    const releaseOf = async (id: string) => ((await (await fetch(`${api}/api/releases/${id}`, { headers: auth })).json()) as { release: Record<string, any> }).release;

    // Every file under a host's data folder, but for @swc-node's compiler and cache (it runs the hosts from the sources, in TMPDIR/swc-*).
    const filesOf = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesOf(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const ours = (host: Host) => filesOf(dataDirs[host.name]).filter((f) => !path.relative(path.join(dataDirs[host.name], 'tmp'), f).startsWith('swc-'));

    // A comic book archive of one large stored page: big enough that packing takes a while.
    const work = fs.mkdtempSync(path.join(testEnv.dataDir, 'book-'));
    const page = path.join(work, 'p001.jpg');
    fs.writeFileSync(page, 'multi host page');
    fs.truncateSync(page, BOOK_BYTES);
    const book = path.join(work, 'MultiHost.cbz');
    execFileSync('zip', ['-0', '-q', '-j', book, page]);
    const form = new FormData();
    form.append('file', await fs.openAsBlob(book), 'MultiHost.cbz');
    // The API host streams the upload into S3: while it is in flight no file on that host grows
    // anywhere near the book's size (it was a partial file of the whole book in UPLOAD_FOLDER/.partial).
    let uploading = true;
    let apiLocalPeak = 0;
    const sampling = (async () => {
      while (uploading) {
        apiLocalPeak = Math.max(apiLocalPeak, ...ours(apiHost).map((f) => fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const uploaded = await fetch(`${api}/api/uploads`, { method: 'POST', headers: auth, body: form }).finally(() => (uploading = false));
    await sampling;
    fs.rmSync(work, { recursive: true });
    expect(uploaded.status).toBe(202);
    expect(apiLocalPeak).toBeLessThan(BOOK_BYTES / 100);
    const uploadId = ((await uploaded.json()) as { upload: { id: string } }).upload.id;

    const requested = await fetch(`${api}/api/releases`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ uploadId, options: { group: 'ESP', volumeSizeMb: 50, proofUrl: 'https://books.example.test/multi', overrides: { title: 'Multi Host', authors: ['Host Author'], year: 2021, language: 'en' } } }),
    });
    expect(requested.status).toBe(202);
    const id = ((await requested.json()) as { release: { id: string } }).release.id;

    const first = start(workerHosts[0], 'worker/main.ts');
    // Past a quarter of the packing: its first volume is streaming into S3.
    await waitFor('packing to be under way on the first worker host', async () => {
      const r = await releaseOf(id);
      return r.state === 'packing' && r.progress > 25;
    }, 240_000, () => releaseOf(id));
    const second = start(workerHosts[1], 'worker/main.ts');
    first.kill('SIGKILL');
    await exited(first);
    processes.delete(first);

    const done = await waitFor('the second worker host to finish the release', async () => {
      const r = await releaseOf(id);
      if (r.state === 'failed') throw new Error(`release failed: ${r.error}\n${output.join('')}`);
      return r.state === 'done' ? r : undefined;
    }, 300_000, () => releaseOf(id));
    // The dead host's run was closed as lost and the second host ran it again (its run is closed
    // just after the processor marks the release done).
    const packRuns = async () => (await JobRun.query().where({ releaseId: id, jobName: 'pack' }).orderBy('id')).map((r) => r.state);
    await waitFor('the second host to close its pack run', async () => (await packRuns()).every((state) => state !== 'active'), 30_000, packRuns);
    expect(await packRuns()).toEqual(['failed', 'completed']);

    // Every file of the release is in S3, committed by its manifest, byte for byte what the rows say.
    const releases = new ReleaseStore(new S3ObjectStore(s3ClientOf({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', forcePathStyle: true, ...S3RVER_KEYS }), s3.bucket));
    const manifest = await releases.committed(done.name);
    const rows = await ReleaseFile.query().where({ releaseId: id }).orderBy('fileName');
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const row of rows) expect(manifest!.files).toContainEqual(expect.objectContaining({ fileName: row.fileName, size: Number(row.size), sha256: row.sha256 }));
    const check = fs.mkdtempSync(path.join(testEnv.dataDir, 'check-'));
    for (const file of manifest!.files) await pipeline(await releases.open(done.name, file.fileName), fs.createWriteStream(path.join(check, file.fileName)));
    for (const zip of rows.filter((r) => r.kind === 'zip')) execFileSync('unzip', ['-tq', path.join(check, zip.fileName)]);
    execFileSync('cksfv', ['-q', '-C', check, '-f', path.join(check, `${done.name}.sfv`)]);

    // No host kept a release or upload file of its own: the survivors' scratch is empty too.
    for (const host of [apiHost, ...workerHosts]) {
      const stored = filesOf(dataDirs[host.name]).filter((f) => !f.includes(`${path.sep}logs${path.sep}`) && !f.startsWith(path.join(dataDirs[host.name], 'tmp')));
      expect(stored.filter((f) => /\.(zip|nfo|diz|sfv|cbz)$/i.test(f) || f.includes(`${path.sep}uploads${path.sep}`) || f.includes(`${path.sep}releases${path.sep}`))).toEqual([]);
    }
    // Packing read the book from S3 and wrote every file straight to it: not even the host killed
    // mid-pack left a scratch folder, and no host holds a file anywhere near the book's size.
    const scratchOf = (host: Host) => fs.readdirSync(path.join(dataDirs[host.name], 'tmp')).filter((e) => e.startsWith('esp-scratch-'));
    for (const host of [apiHost, ...workerHosts]) expect(scratchOf(host)).toEqual([]);
    for (const host of [apiHost, ...workerHosts]) expect(ours(host).filter((f) => fs.statSync(f).size > BOOK_BYTES / 100)).toEqual([]);
    expect((await Release.query().findById(id))!.state).toBe('done');
    second.kill('SIGTERM');

    // Staging a dead host left in S3 (an attempt at the same name, and one of a name no row holds)
    // is the reconciler's: it removes both, keeps the committed release, and finds no strays.
    const leftovers = [releases.begin(done.name), releases.begin('Orphan.Staging-ESP')];
    for (const draft of leftovers) await draft.put('half.zip', 'zip', Buffer.from('half written'));
    const config = loadConfig({ ...testEnv.env, ...s3.env, WORKER_LOCK_DURATION_MS: '1000' });
    await new Promise((r) => setTimeout(r, 2500)); // past the grace of two lock durations
    const redis = createRedis(config, 'worker');
    const scheduler = new Scheduler(config, createLogger(config), redis);
    try {
      const report = await scheduler.run.reconcile({ graceMs: 0 });
      // (The killed host's own half-uploaded attempt, if it got that far, goes too.)
      expect(report?.stagingRemoved).toEqual(expect.arrayContaining(leftovers.map((d) => releases.attemptPrefix(d.name, d.attempt))));
      expect(report).toMatchObject({ foldersWithoutRow: [], rowsWithoutFolder: [] });
    } finally {
      await scheduler.stop();
      redis.disconnect();
    }
    expect(await releases.uncommitted()).toEqual([]);
    expect(await releases.committed(done.name)).toEqual(manifest);
  });
});
