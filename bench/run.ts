import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { benchLoginLoad } from './login-load';

/**
 * `npm run bench`: packing and upload throughput and peak memory, each beside a reference tool
 * doing comparable work on the same bytes. Prints one table; nothing here asserts.
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-bench-'));
const rows: string[][] = [['case', 'tool', 'MB/s', 'peak RSS MB', 'seconds']];
const MB = 1_000_000;

function makeBook(bytes: number): string {
  const file = path.join(work, `book-${bytes}.bin`);
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < bytes; written += chunk.length) {
    for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, i);
    fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  }
  fs.closeSync(fd);
  return file;
}

/** Runs a command to completion: wall seconds and its output. */
function timed(command: string, args: string[], cwd = work): { seconds: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  return { seconds: (performance.now() - started) / 1000, stdout: result.stdout };
}

function row(caseName: string, tool: string, bytes: number, seconds: number, rssMb: number | undefined): void {
  rows.push([caseName, tool, (bytes / MB / seconds).toFixed(1), rssMb === undefined ? '-' : rssMb.toFixed(0), seconds.toFixed(2)]);
}

function clean(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function benchPacking(bytes: number): void {
  const book = makeBook(bytes);
  const volume = bytes > 500 * MB ? 50 : 5;
  const label = `pack ${bytes / MB} MB (${volume} MB volumes)`;
  const out = clean(path.join(work, 'out'));
  const ours = timed(process.execPath, [path.join(__dirname, 'pack-one.js'), book, out, String(volume)]);
  const figures = JSON.parse(ours.stdout) as { seconds: number; maxRssKb: number; loopDelayMaxMs: number };
  row(label, `packer (node; event loop held <= ${figures.loopDelayMaxMs.toFixed(0)} ms)`, bytes, figures.seconds, figures.maxRssKb / 1024);

  clean(out);
  const zip = timed('bash', ['-c', `/usr/bin/time -f %M zip -q -0 -s ${volume}m ${out}/z.zip ${book} 2>${out}/rss`]);
  row(label, 'zip -0 -s (Info-ZIP)', bytes, zip.seconds, Number(fs.readFileSync(`${out}/rss`, 'utf8').trim().split('\n').pop()) / 1024);
  clean(out);
  const sevenZip = timed('bash', ['-c', `/usr/bin/time -f %M 7z a -bd -mx0 -v${volume}m ${out}/s.7z ${book} >/dev/null 2>${out}/rss`]);
  row(label, '7z a -mx0 -v', bytes, sevenZip.seconds, Number(fs.readFileSync(`${out}/rss`, 'utf8').trim().split('\n').pop()) / 1024);
  clean(out);
  const copy = timed('bash', ['-c', `/usr/bin/time -f %M cp ${book} ${out}/copy 2>${out}/rss`]);
  row(label, 'cp (disk limit)', bytes, copy.seconds, Number(fs.readFileSync(`${out}/rss`, 'utf8').trim().split('\n').pop()) / 1024);
  fs.rmSync(book);
  clean(out);
}

/** Upload of one file to the real API (SQLite, local Redis) versus curl into a plain file sink. */
async function benchUpload(bytes: number): Promise<void> {
  const book = makeBook(bytes);
  const dataDir = clean(path.join(work, 'api-data'));
  const env = { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, PORT: '5099', HOST: '127.0.0.1', MIGRATE_ON_START: 'true', QUEUE_PREFIX: '{esp-bench}', ADMIN_PASSWORD: 'bench password 1', LOG_LEVEL: 'warn' };
  const dist = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [path.join(dist, 'db/cli.js'), 'migrate:latest'], { env, stdio: 'ignore' });
  execFileSync(process.execPath, [path.join(dist, 'db/cli.js'), 'seed:admin'], { env, stdio: 'ignore' });
  const api = spawn(process.execPath, [path.join(dist, 'api/main.js')], { env, stdio: 'ignore' });
  try {
    let token = '';
    for (let i = 0; i < 100 && !token; i++) {
      await new Promise((r) => setTimeout(r, 200));
      const login = spawnSync('curl', ['-sf', '-X', 'POST', 'http://127.0.0.1:5099/api/auth/login', '-H', 'Content-Type: application/json', '-d', '{"email":"admin@localhost","password":"bench password 1"}'], { encoding: 'utf8' });
      if (login.status === 0) token = JSON.parse(login.stdout).accessToken;
    }
    const upload = timed('curl', ['-sf', '-o', '/dev/null', '-H', `Authorization: Bearer ${token}`, '-F', `file=@${book}`, 'http://127.0.0.1:5099/api/uploads']);
    const status = fs.readFileSync(`/proc/${api.pid}/status`, 'utf8');
    const hwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    row(`upload ${bytes / MB} MB`, 'API (busboy, hashing)', bytes, upload.seconds, hwmKb / 1024);
  } finally {
    api.kill('SIGTERM');
  }

  const sinkFile = path.join(work, 'sink');
  const sink = http.createServer((req, res) => req.pipe(fs.createWriteStream(sinkFile)).on('finish', () => res.end('ok'))).listen(5098, '127.0.0.1');
  await new Promise((r) => sink.once('listening', r));
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const curl = spawn('curl', ['-sf', '-o', '/dev/null', '-T', book, 'http://127.0.0.1:5098/']);
    curl.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`curl exited ${code}`))));
  });
  row(`upload ${bytes / MB} MB`, 'curl -> plain file sink', bytes, (performance.now() - started) / 1000, undefined);
  sink.close();
  fs.rmSync(book);
}

/**
 * Flows per second through the real pipeline (inspect -> enrich -> pack of a small EPUB, real
 * worker process, SQLite) against a raw BullMQ worker that does nothing, on the same Redis.
 */
async function benchPipeline(flows: number): Promise<void> {
  const { Queue, Worker, QueueEvents } = await import('bullmq');
  const IORedis = (await import('ioredis')).default;
  const connection = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', { maxRetriesPerRequest: null });
  const prefix = `{esp-bench-raw-${Date.now()}}`;
  const queue = new Queue('raw', { connection, prefix });
  const events = new QueueEvents('raw', { connection: connection.duplicate(), prefix });
  const worker = new Worker('raw', async () => 'ok', { connection: connection.duplicate(), prefix, concurrency: 4 });
  await events.waitUntilReady();
  let started = performance.now();
  const jobs = await queue.addBulk(Array.from({ length: flows }, (_, i) => ({ name: 'noop', data: { i } })));
  await Promise.all(jobs.map((j) => j.waitUntilFinished(events)));
  const rawSeconds = (performance.now() - started) / 1000;
  rows.push([`${flows} jobs/flows`, 'raw BullMQ worker (no-op jobs)', `${(flows / rawSeconds).toFixed(0)} jobs/s`, '-', rawSeconds.toFixed(2)]);
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();

  const dist = path.resolve(__dirname, '..');
  const dataDir = clean(path.join(work, 'pipeline-data'));
  const env = { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir, PORT: '5097', HOST: '127.0.0.1', QUEUE_PREFIX: `{esp-bench-${Date.now()}}`, ADMIN_PASSWORD: 'bench password 1', LOG_LEVEL: 'warn', WORKER_CONCURRENCY: 'upload=4,enrich=4,pack=2' };
  execFileSync(process.execPath, [path.join(dist, 'db/cli.js'), 'migrate:latest'], { env, stdio: 'ignore' });
  const { createDatabase } = await import('../db/knex');
  const { bindModels, User, Release, Upload } = await import('../db/models');
  const { loadConfig } = await import('../lib/config');
  const { JobQueue } = await import('../jobs/job-queue');
  const { createRedis } = await import('../lib/redis');
  const { createLogger } = await import('../lib/logger');
  const { writeEpub } = await import('../jobs/inspect/fixtures/books');
  const config = loadConfig(env);
  const db = createDatabase(config.database);
  bindModels(db);
  const user = await User.query().insertAndFetch({ email: 'bench@example.test', passwordHash: 'x', role: 'admin', disabled: false });
  fs.mkdirSync(config.storage.uploadDir, { recursive: true });
  // Uploads already inspected, as after POST /api/uploads; each flow still runs all three steps.
  for (let i = 0; i < flows; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    await writeEpub(path.join(config.storage.uploadDir, id), { title: `Bench Book ${i}` });
    const bytes = fs.readFileSync(path.join(config.storage.uploadDir, id));
    await Upload.query().insert({ id, userId: user.id, originalName: 'b.epub', storedName: id, size: bytes.length, sha256: (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'), status: 'stored' });
  }
  const producer = createRedis(config, 'producer');
  const jobQueue = new JobQueue(config, producer, createLogger(config, { console: false }));
  const workerProcess = spawn(process.execPath, [path.join(dist, 'worker/main.js')], { env, stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1500));
  started = performance.now();
  for (let i = 0; i < flows; i++) {
    const id = `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    await Release.query().insert({ id, uploadId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, userId: user.id, requestKey: id, options: { type: 'EBOOK', group: 'ESP', source: 'RETAIL', overrides: {}, force: false }, state: 'queued', progress: 0, releaseDate: '2026-01-01' });
    await jobQueue.startReleaseFlow(id);
  }
  for (;;) {
    const finished = await Release.query().whereIn('state', ['done', 'failed']).resultSize();
    if (finished >= flows) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  const failed = await Release.query().where({ state: 'failed' }).resultSize();
  rows.push([`${flows} jobs/flows`, `pipeline flows (3 steps, ${failed} failed)`, `${(flows / seconds).toFixed(1)} flows/s`, '-', seconds.toFixed(2)]);
  workerProcess.kill('SIGTERM');
  await jobQueue.close();
  producer.disconnect();
  connection.disconnect();
  await db.destroy();
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES_MB ?? '5,100,1000').split(',').map((s) => Number(s) * MB);
  for (const size of sizes) benchPacking(size);
  await benchUpload(Number(process.env.BENCH_UPLOAD_MB ?? 1000) * MB);
  await benchPipeline(Number(process.env.BENCH_FLOWS ?? 200));
  await benchLoginLoad(rows);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c])).join('  '));
  fs.rmSync(work, { recursive: true, force: true });
}

void main();
