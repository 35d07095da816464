import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { api, cpuSeconds, login, Stack, startStack } from './stack';
import { createBenchSchema } from './mysql-schema';
import { median, ms, Report } from './report';

/**
 * Small books through the real pipeline: 1 MB EPUBs uploaded over HTTP, then release requests that
 * need no review (title, author, year, language in the book; a store proof URL in the request).
 * Latency: one worker process, one release at a time, request to `done`. Throughput: two worker
 * processes, every request queued while the queues are paused, then released at once.
 */
const WORDS = 'Amber Birch Cedar Delta Ember Fjord Grove Harbor Iris Juniper Kestrel Lumen Meadow Nimbus Orchid Pebble Quartz Raven Sable Thistle Umber Vesper Willow Xenon Yarrow Zephyr'.split(' ');
const AUTHORS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Frances Allen', 'Ken Thompson'];
const PROOF = 'https://www.example.com/store/bench-book';
const SETTLED = ['done', 'failed', 'cancelled', 'review'];

/** A distinct title per book (and so distinct names and 8.3 prefixes): three words picked by the index's base-26 digits. */
function titleOf(i: number): string {
  return [Math.floor(i / 676) % 26, Math.floor(i / 26) % 26, i % 26].map((d) => WORDS[d]).join(' ');
}

async function uploadBooks(stack: Stack, token: string, dir: string, from: number, count: number, bytes: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const file = path.join(dir, `book-${i}.epub`);
    await writeEpub(file, { title: titleOf(i), creators: [{ name: AUTHORS[i % AUTHORS.length] }], date: String(1990 + (i % 30)), language: 'en', publisher: 'Bench Press', paddingBytes: bytes });
    const form = new FormData();
    form.append('file', new Blob([fs.readFileSync(file)]), `book-${i}.epub`);
    const res = await fetch(`${stack.url}/api/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form });
    if (![200, 201, 202].includes(res.status)) throw new Error(`upload answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    ids.push(((await res.json()) as { upload: { id: string } }).upload.id);
    fs.rmSync(file);
  }
  // Inspected on upload (the release request reads the book's facts).
  for (const id of ids) {
    for (let tries = 0; ; tries++) {
      const { upload } = await api<{ upload: { status: string } }>(stack, 'GET', `/api/uploads/${id}`, token);
      if (upload.status === 'inspected') break;
      if (upload.status === 'failed' || tries > 600) throw new Error(`upload ${id} was not inspected (${upload.status})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return ids;
}

function requestRelease(stack: Stack, token: string, uploadId: string): Promise<{ release: { id: string } }> {
  return api(stack, 'POST', '/api/releases', token, { uploadId, options: { group: 'ESP', source: 'RETAIL', proofUrl: PROOF } });
}

async function stateOf(stack: Stack, token: string, id: string): Promise<{ state: string; error?: string; reviewReasons?: unknown }> {
  return (await api<{ release: { state: string; error?: string; reviewReasons?: unknown } }>(stack, 'GET', `/api/releases/${id}`, token)).release;
}

/** Pauses or resumes the pipeline queues of the stack (BullMQ's global pause). */
async function setPaused(stack: Stack, paused: boolean): Promise<void> {
  const { Queue } = await import('bullmq');
  const IORedis = (await import('ioredis')).default;
  const connection = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', { maxRetriesPerRequest: null });
  try {
    for (const name of ['upload', 'enrich', 'pack']) {
      const queue = new Queue(name, { connection, prefix: stack.env.QUEUE_PREFIX });
      await (paused ? queue.pause() : queue.resume());
      await queue.close();
    }
  } finally {
    connection.disconnect();
  }
}

/** Raw BullMQ: no-op jobs through an in-process worker on the same Redis, the ceiling any pipeline step sits under. */
async function rawBullmq(jobs: number): Promise<number> {
  const { Queue, Worker, QueueEvents } = await import('bullmq');
  const IORedis = (await import('ioredis')).default;
  const connection = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0', { maxRetriesPerRequest: null });
  const prefix = `{esp-bench-raw-${process.pid}}`;
  const queue = new Queue('raw', { connection, prefix });
  const events = new QueueEvents('raw', { connection: connection.duplicate(), prefix });
  const worker = new Worker('raw', async () => 'ok', { connection: connection.duplicate(), prefix, concurrency: 4 });
  try {
    await events.waitUntilReady();
    // Each job waited on adds a listener to the queue.
    queue.setMaxListeners(jobs + 10);
    const started = performance.now();
    const added = await queue.addBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'noop', data: { i } })));
    await Promise.all(added.map((j) => j.waitUntilFinished(events)));
    return jobs / ((performance.now() - started) / 1000);
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  }
}

interface PipelineOptions {
  latencyReleases: number;
  throughputReleases: number;
  bookBytes: number;
  port: number;
}

interface PipelineFigures {
  /** Median milliseconds from request to `done` (infinite when none finished). */
  latencyMs: number;
  /** Releases that settled otherwise in the latency phase, each with its state and reason. */
  unsettled: string[];
  releases: number;
  releasesPerSecond: number;
  /** CPU seconds used in the throughput phase by the worker processes and by the API. */
  cpu: { workers: number; api: number };
}

/** Both phases against one stack; `databaseUrl` is the stack's database (a fresh SQLite file when not given). */
async function measurePipeline(work: string, options: PipelineOptions, databaseUrl?: string): Promise<PipelineFigures> {
  const dir = fs.mkdtempSync(path.join(work, 'books-'));
  const stack = await startStack(options.port, { WORKER_CONCURRENCY: 'upload=8,enrich=8,pack=4', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  try {
    await stack.startWorkers(1);
    const token = await login(stack);
    const latencyUploads = await uploadBooks(stack, token, dir, 0, options.latencyReleases, options.bookBytes);
    const latencies: number[] = [];
    const unsettled: string[] = [];
    for (const uploadId of latencyUploads) {
      const started = performance.now();
      const { release } = await requestRelease(stack, token, uploadId);
      for (;;) {
        const current = await stateOf(stack, token, release.id);
        if (SETTLED.includes(current.state)) {
          if (current.state === 'done') latencies.push(performance.now() - started);
          else unsettled.push(`${current.state}: ${current.error ?? JSON.stringify(current.reviewReasons ?? '')}`.slice(0, 160));
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    }

    await stack.stopWorkers();
    await stack.startWorkers(2);
    const uploads = await uploadBooks(stack, token, dir, options.latencyReleases, options.throughputReleases, options.bookBytes);
    await setPaused(stack, true);
    const ids: string[] = [];
    for (const uploadId of uploads) ids.push((await requestRelease(stack, token, uploadId)).release.id);
    const cpuOf = () => ({ workers: stack.workerPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0), api: cpuSeconds(stack.apiPid) });
    const cpuBefore = cpuOf();
    const started = performance.now();
    await setPaused(stack, false);
    for (;;) {
      const { pagination } = await api<{ pagination: { total: number } }>(stack, 'GET', `/api/releases?state=done&pageSize=1`, token);
      const failed = (await api<{ pagination: { total: number } }>(stack, 'GET', `/api/releases?state=failed&pageSize=1`, token)).pagination.total;
      if (pagination.total - latencies.length + failed >= ids.length) break;
      if (performance.now() - started > 600_000) throw new Error('the throughput releases did not finish in 10 minutes');
      await new Promise((r) => setTimeout(r, 20));
    }
    const releasesPerSecond = ids.length / ((performance.now() - started) / 1000);
    const cpuAfter = cpuOf();
    return {
      latencyMs: latencies.length ? median(latencies) : Number.POSITIVE_INFINITY,
      unsettled,
      releases: ids.length,
      releasesPerSecond,
      cpu: { workers: cpuAfter.workers - cpuBefore.workers, api: cpuAfter.api - cpuBefore.api },
    };
  } finally {
    await stack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The goals are judged on SQLite (the database the product runs on one machine); with `mysqlUrl`
 * (a MySQL/MariaDB server, as production uses) the same run follows on a fresh schema there, for information.
 */
export async function benchPipeline(report: Report, work: string, options: PipelineOptions & { mysqlUrl?: string }): Promise<void> {
  const sqlite = await measurePipeline(work, options);
  const raw = await rawBullmq(Math.max(200, options.throughputReleases * 3));
  addPipelineRows(report, options, sqlite, raw);
  if (!options.mysqlUrl) return;
  const schema = await createBenchSchema(options.mysqlUrl, `esp_bench_pipeline_${process.pid}`);
  try {
    addPipelineRows(report, options, await measurePipeline(work, options, schema.url), raw, 'MySQL/MariaDB');
  } finally {
    await schema.drop();
  }
}

/** The rows of one run: judged on SQLite, information on another `database`. */
function addPipelineRows(report: Report, options: PipelineOptions, figures: PipelineFigures, raw: number, database?: string): void {
  const { unsettled } = figures;
  const on = database ? `, ${database}` : '';
  report.add({
    goal: `1 MB EPUB, release request to done, median of ${options.latencyReleases}, 1 worker process${on}: < 150 ms`,
    peer: '-',
    peerFigure: '-',
    ours: `${ms(figures.latencyMs)}${unsettled.length ? ` (${unsettled.length} not done: ${unsettled[0]})` : ''}`,
    ...(database ? {} : { pass: figures.latencyMs < 150 && unsettled.length === 0 }),
  });
  report.add({
    goal: `releases/s through inspect -> enrich -> pack, ${figures.releases} x 1 MB EPUB, 2 worker processes${on}: >= 150`,
    peer: 'raw BullMQ no-op worker',
    peerFigure: `${raw.toFixed(0)} jobs/s`,
    ours: `${figures.releasesPerSecond.toFixed(1)} releases/s`,
    ...(database ? {} : { pass: figures.releasesPerSecond >= 150 }),
  });
  // CPU time is less at the mercy of other work on the machine than the rate (though not free of it).
  const perRelease = (seconds: number) => `${((seconds * 1000) / figures.releases).toFixed(1)} ms`;
  report.add({
    goal: `CPU per release in that run${on}: the 2 worker processes (the API, polled by the bench)`,
    peer: '-',
    peerFigure: '-',
    ours: `${perRelease(figures.cpu.workers)} (${perRelease(figures.cpu.api)})`,
  });
}
