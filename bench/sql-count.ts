import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Job } from 'bullmq';
import IORedis from 'ioredis';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createRedis } from '../lib/redis';
import { currentContext } from '../lib/request-context';
import { createDatabase, migrateLatest } from '../db/knex';
import { bindModels } from '../db/models';
import { seedFirstRun } from '../db/seed';
import { JobQueue } from '../jobs/job-queue';
import { QueueName } from '../lib/domain/queue-names';
import { buildApiContext, createApp } from '../api/app';
import { WorkerPool } from '../worker/worker-pool';
import { createBenchSchema } from './mysql-schema';
import type { Report } from './report';
import { deleteKeys, stubCatalogue } from './stack';

const PASSWORD = 'bench password 1';
const PROOF = 'https://www.example.com/store/bench-book';

/**
 * SQL statements per release: the API and a worker pool in this process on a fresh database
 * (SQLite, or a new schema on the MySQL/MariaDB server at `mysqlUrl`), counted with knex's
 * `query` event and filed under the queue whose job issued them (the API's under `request`: its
 * POST /api/releases alone). Small EPUBs are uploaded and inspected first, then released one at
 * a time, each to `done`; the first is a warm-up (the first query of a graph reads the table's
 * columns once per process) and is not counted. `BENCH_SQL_LOG=1` prints the counted statements.
 *
 * Redis commands are counted the same way, on the client side (every ioredis connection of this
 * process, pipelined and blocking ones included, each command once), from the release request until
 * its pack job has ended: those of a job under its queue, BullMQ's own work around jobs (fetching,
 * finishing, stalled checks, the waiting connections) under `other`, the bench's polls not at all.
 */
export async function countStatements(options: { releases: number; mysqlUrl?: string }): Promise<{ perRelease: Record<string, number>; total: number; redisPerRelease: Record<string, number>; redisTotal: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-bench-sql-'));
  const stub = await stubCatalogue();
  const stubUrl = `http://127.0.0.1:${(stub.address() as { port: number }).port}`;
  let dropSchema = async () => {};
  let databaseUrl = `sqlite://${path.join(dataDir, 'bench.sqlite')}`;
  if (options.mysqlUrl) {
    const schema = await createBenchSchema(options.mysqlUrl, `esp_bench_sql_${process.pid}`);
    databaseUrl = schema.url;
    dropSchema = schema.drop;
  }
  const prefix = `{esp-bench-sql-${process.pid}}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    ADMIN_PASSWORD: PASSWORD,
    OPENLIBRARY_BASE_URL: stubUrl,
    GOOGLE_BOOKS_BASE_URL: stubUrl,
    PROVIDER_RATE_LIMITS: 'openlibrary=1000,googlebooks=1000,omdb=1000,tmdb=1000,tvdb=1000',
    WORKER_QUEUES: 'upload,enrich,pack',
    PATH: process.env.PATH,
  });
  const logger = createLogger(config);
  const db = createDatabase(config.database);
  await migrateLatest(db);
  bindModels(db);
  await seedFirstRun(config, PASSWORD);
  const redis = createRedis(config, 'producer');
  const queue = new JobQueue(config, redis, logger);
  const server = createApp(buildApiContext({ config, logger, db, redis, queue })).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const pool = new WorkerPool(config, logger);
  pool.start();

  const counts = new Map<string, number>();
  const log: string[] = [];
  // The API's statements count while it answers the release request, not the polls after it.
  let requesting = false;
  db.on('query', (q: { sql: string }) => {
    const context = currentContext();
    const key = context?.queue ?? (context?.requestId ? 'request' : 'other');
    if (key === 'request' && !requesting) return;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    log.push(`${key}: ${q.sql}`);
  });
  // Redis commands, filed like the statements; while no release is being counted, none are.
  const commands = new Map<string, number>();
  const commandNames = new Map<string, number>();
  let counting = false;
  const sendCommand = IORedis.prototype.sendCommand;
  IORedis.prototype.sendCommand = function (this: IORedis, ...args: Parameters<typeof sendCommand>) {
    if (counting) {
      const context = currentContext();
      const key = context?.queue ?? (context?.requestId ? 'request' : 'other');
      if (key !== 'request' || requesting) {
        commands.set(key, (commands.get(key) ?? 0) + 1);
        const name = `${key}: ${args[0].name}`;
        commandNames.set(name, (commandNames.get(name) ?? 0) + 1);
      }
    }
    return sendCommand.apply(this, args);
  };
  const call = async <T>(method: string, urlPath: string, token?: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${urlPath}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body && !(body instanceof FormData) ? { 'Content-Type': 'application/json' } : {}) },
      body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300) throw new Error(`${method} ${urlPath} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  };
  const waitFor = async (what: string, done: () => Promise<boolean>) => {
    for (let i = 0; !(await done()); i++) {
      if (i > 3000) throw new Error(`${what} took too long`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    const { accessToken: token } = await call<{ accessToken: string }>('POST', '/api/auth/login', undefined, { email: config.firstRun.adminEmail, password: PASSWORD });
    const uploads: string[] = [];
    for (let i = 0; i < options.releases; i++) {
      const file = path.join(dataDir, `book-${i}.epub`);
      await writeEpub(file, { title: `Counted Book Number ${i}`, creators: [{ name: 'Ada Lovelace' }], date: String(1990 + i), language: 'en', publisher: 'Bench Press', paddingBytes: 100_000 });
      const form = new FormData();
      form.append('file', new Blob([fs.readFileSync(file)]), `book-${i}.epub`);
      const id = (await call<{ upload: { id: string } }>('POST', '/api/uploads', token, form)).upload.id;
      await waitFor('inspection', async () => (await call<{ upload: { status: string } }>('GET', `/api/uploads/${id}`, token)).upload.status === 'inspected');
      uploads.push(id);
    }
    const perQueue = new Map<string, number>();
    const redisPerQueue = new Map<string, number>();
    for (const [index, uploadId] of uploads.entries()) {
      counts.clear();
      log.length = 0;
      commands.clear();
      commandNames.clear();
      counting = true;
      requesting = true;
      const { release } = await call<{ release: { id: string } }>('POST', '/api/releases', token, { uploadId, options: { group: 'ESP', source: 'RETAIL', proofUrl: PROOF } });
      requesting = false;
      let state = '';
      await waitFor('the release', async () => {
        state = (await call<{ release: { state: string } }>('GET', `/api/releases/${release.id}`, token)).release.state;
        return ['done', 'failed', 'review', 'cancelled'].includes(state);
      });
      if (state !== 'done') throw new Error(`release ${release.id} ended ${state}`);
      // The pack job's last statements (its job_runs row, the release event) follow the release's `done`.
      const packJob = await Job.fromId(queue.queue(QueueName.Pack), `pack-${release.id}`);
      // The bench's own check of the pack job is no part of the release.
      counting = false;
      await waitFor('the pack job to end', async () => (await packJob?.isCompleted()) ?? true);
      // Its last commands (moving the job to completed) may follow the first look.
      counting = true;
      await new Promise((r) => setTimeout(r, 50));
      counting = false;
      if (index === 0) continue;
      for (const [key, n] of counts) perQueue.set(key, (perQueue.get(key) ?? 0) + n);
      for (const [key, n] of commands) redisPerQueue.set(key, (redisPerQueue.get(key) ?? 0) + n);
      if (process.env.BENCH_SQL_LOG) process.stderr.write(`${log.join('\n')}\n${[...commandNames].map(([k, n]) => `redis ${k} x${n}`).join('\n')}\n`);
    }
    const counted = uploads.length - 1;
    const perRelease = Object.fromEntries([...perQueue].map(([k, n]) => [k, n / counted]));
    const redisPerRelease = Object.fromEntries([...redisPerQueue].map(([k, n]) => [k, n / counted]));
    const sum = (figures: Record<string, number>) => Object.values(figures).reduce((a, b) => a + b, 0);
    return { perRelease, total: sum(perRelease), redisPerRelease, redisTotal: sum(redisPerRelease) };
  } finally {
    IORedis.prototype.sendCommand = sendCommand;
    await pool.close();
    await new Promise((r) => server.close(r));
    await queue.close();
    redis.disconnect();
    await db.destroy();
    await new Promise((r) => stub.close(r));
    logger.close();
    await deleteKeys(prefix);
    await dropSchema();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The counts as rows of the bench's table (information: the issue sets no goal for them). */
export async function benchStatements(report: Report, options: { releases: number; mysqlUrl?: string }): Promise<void> {
  for (const [database, mysqlUrl] of [['SQLite', undefined], ...(options.mysqlUrl ? [['MySQL/MariaDB', options.mysqlUrl]] : [])]) {
    const { perRelease, total, redisPerRelease, redisTotal } = await countStatements({ releases: options.releases, mysqlUrl });
    const part = (key: string, label = key) => `${label} ${(perRelease[key] ?? 0).toFixed(1)}`;
    const redisPart = (key: string) => `${key} ${(redisPerRelease[key] ?? 0).toFixed(1)}`;
    report.add({
      goal: `SQL statements per release, ${database}: its jobs (the release request)`,
      peer: '-',
      peerFigure: '-',
      ours: `${(total - (perRelease.request ?? 0)).toFixed(1)}: ${[part('upload', 'inspect'), part('enrich'), part('pack')].join(', ')} (request ${(perRelease.request ?? 0).toFixed(1)})`,
    });
    report.add({
      goal: `Redis commands per release, ${database} run: its jobs and BullMQ (the release request)`,
      peer: '-',
      peerFigure: '-',
      ours: `${(redisTotal - (redisPerRelease.request ?? 0)).toFixed(1)}: ${[redisPart('enrich'), redisPart('pack'), redisPart('other')].join(', ')} (request ${(redisPerRelease.request ?? 0).toFixed(1)})`,
    });
  }
}
