import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

/**
 * The product as it runs (built API and worker processes, SQLite, the local Redis) in a throwaway
 * data folder, with its own queue prefix and rate limits out of reach (the bench measures speed,
 * not refusals). Catalogue lookups go to a local stub that answers "not found" at once: the
 * figures are the pipeline's own, not a remote catalogue's.
 */
export const ADMIN_EMAIL = 'admin@localhost';
export const ADMIN_PASSWORD = 'bench password 1';
const dist = path.resolve(__dirname, '..');

export interface Stack {
  url: string;
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** The API process; with `apiInstances` > 1, the cluster primary (its instances are its children). */
  apiPid: number;
  /** The worker processes running now. */
  workerPids(): number[];
  startWorkers(count: number): Promise<void>;
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
}

/** A catalogue that answers "not found" at once (the figures are the pipeline's own, not a remote catalogue's). */
export function stubCatalogue(): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.setHeader('Content-Type', 'application/json').end('{}'));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Pm2App {
  name: string;
  node_args?: string[];
  instances?: number;
}

/** The API's entry in PM2's ecosystem file, so the bench runs the API as production does. */
function deployedApi(): Pm2App | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { apps } = require(path.join(dist, '..', 'ecosystem.config.js')) as { apps: Pm2App[] };
  return apps.find((app) => app.name === 'esp-api');
}

/** The API's node arguments in production. */
export function apiNodeArgs(): string[] {
  return deployedApi()?.node_args ?? [];
}

/** How many API instances production runs (PM2 cluster mode; API_INSTANCES, 2 by default). */
export function apiInstances(): number {
  return deployedApi()?.instances ?? 1;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The API process: one, or `instances` behind a cluster primary as PM2 runs them (bench/api-cluster.ts). */
async function startApi(env: NodeJS.ProcessEnv, url: string, instances: number): Promise<ChildProcess> {
  if (instances > 1) {
    const primary = spawn(process.execPath, [path.join(dist, 'bench/api-cluster.js'), ...apiNodeArgs()], { env: { ...env, API_INSTANCES: String(instances) }, stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<boolean>((resolve) => {
      primary.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve(true));
      primary.once('exit', () => resolve(false));
      setTimeout(() => resolve(false), 30_000).unref();
    });
    if (!ready) {
      primary.kill('SIGTERM');
      throw new Error('the API instances did not start');
    }
    return primary;
  }
  const api = spawn(process.execPath, [...apiNodeArgs(), path.join(dist, 'api/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    const status = await fetch(`${url}/health`).then((r) => r.status, () => 0);
    if (status === 200 || status === 503) return api;
    if (i > 150 || api.exitCode !== null) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startStack(port: number, extraEnv: NodeJS.ProcessEnv = {}, apiInstances = 1): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-bench-stack-'));
  const catalogue = await stubCatalogue();
  const stubUrl = `http://127.0.0.1:${(catalogue.address() as { port: number }).port}`;
  const prefix = `{esp-bench-${process.pid}-${port}}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    QUEUE_PREFIX: prefix,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_IP: 'read=100000000,write=100000000,upload=100000000',
    RATE_LIMIT_PER_USER: 'read=100000000,write=100000000,upload=100000000',
    OPENLIBRARY_BASE_URL: stubUrl,
    GOOGLE_BOOKS_BASE_URL: stubUrl,
    PROVIDER_RATE_LIMITS: 'openlibrary=1000,googlebooks=1000,omdb=1000,tmdb=1000,tvdb=1000',
    ...extraEnv,
  };
  execFileSync(process.execPath, [path.join(dist, 'db/cli.js'), 'migrate:latest'], { env, stdio: 'ignore' });
  execFileSync(process.execPath, [path.join(dist, 'db/cli.js'), 'seed'], { env, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const api = await startApi(env, url, apiInstances);
  let workers: ChildProcess[] = [];
  return {
    url,
    env,
    dataDir,
    apiPid: api.pid as number,
    workerPids: () => workers.map((w) => w.pid as number),
    async startWorkers(count) {
      // BENCH_CPU_PROF_DIR: each worker process writes a V8 CPU profile there when it exits (node --cpu-prof).
      const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] : [];
      workers = Array.from({ length: count }, () => spawn(process.execPath, [...profile, path.join(dist, 'worker/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] }));
      // Ready when /health counts a worker per process on the pipeline queues.
      for (let i = 0; ; i++) {
        const report = (await (await fetch(`${url}/health`)).json()) as { workers: Record<string, number | null> };
        if (['upload', 'enrich', 'pack'].every((q) => (report.workers[q] ?? 0) >= count)) break;
        if (i > 150) throw new Error('the workers did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async stopWorkers() {
      await Promise.all(workers.map(stop));
      workers = [];
    },
    async close() {
      await Promise.all([...workers.map(stop), stop(api)]);
      await new Promise((r) => catalogue.close(r));
      await deleteKeys(prefix);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** CPU time (user + system) a process has used so far, in seconds (Linux: /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  // The fields after the command name (which may hold spaces) start at the state, field 3; utime and stime are 14 and 15.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Removes a queue prefix's keys from Redis. */
export async function deleteKeys(prefix: string): Promise<void> {
  const IORedis = (await import('ioredis')).default;
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A JSON request to the stack's API; throws on an unexpected status. */
export async function api<T>(stack: Stack, method: string, urlPath: string, token?: string, body?: unknown, expect: number[] = [200, 201, 202]): Promise<T> {
  const res = await fetch(`${stack.url}${urlPath}`, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${urlPath} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function login(stack: Stack): Promise<string> {
  return (await api<{ accessToken: string }>(stack, 'POST', '/api/auth/login', undefined, { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).accessToken;
}
