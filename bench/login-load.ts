import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ms, Report } from './report';
import { apiNodeArgs, deleteKeys } from './stack';

/**
 * `/health` latency with and without 20 parallel logins against the real API process (bcrypt at
 * the default 12 rounds): with hashing in libuv's thread pool the event loop keeps answering.
 * Adds its goal to the bench table.
 */
const PORT = 5096;
const EMAIL = 'admin@localhost';
const PASSWORD = 'bench password 1';
const PARALLEL_LOGINS = 20;

const agent = new http.Agent({ keepAlive: true, maxSockets: PARALLEL_LOGINS + 2 });

function request(method: string, urlPath: string, body?: string, token?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    const req = http.request({ host: '127.0.0.1', port: PORT, method, path: urlPath, agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** p50 and p99 of `samples` sequential /health requests, in ms. */
async function healthLatency(samples: number): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await request('GET', '/health');
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: ms[Math.floor(samples * 0.5)], p99: ms[Math.floor(samples * 0.99)] };
}

export async function benchLoginLoad(report: Report, samples = 300): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-bench-login-'));
  const prefix = `{esp-bench-login-${Date.now()}}`;
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    PORT: String(PORT),
    HOST: '127.0.0.1',
    QUEUE_PREFIX: prefix,
    ADMIN_PASSWORD: PASSWORD,
    LOG_LEVEL: 'warn',
    BCRYPT_LOG_ROUNDS: '12',
    // The figure is about hashing, not about being refused: budgets out of reach.
    RATE_LIMIT_PER_IP: 'read=1000000,write=1000000',
    RATE_LIMIT_PER_USER: 'read=1000000,write=1000000',
  };
  const dist = path.resolve(__dirname, '..');
  execFileSync(process.execPath, [path.join(dist, 'db/cli.js'), 'migrate:latest'], { env, stdio: 'ignore' });
  execFileSync(process.execPath, [path.join(dist, 'db/cli.js'), 'seed:admin'], { env, stdio: 'ignore' });
  const api = spawn(process.execPath, [...apiNodeArgs(), path.join(dist, 'api/main.js')], { env, stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && (await request('GET', '/health').catch(() => undefined))?.status !== 200; i++) await new Promise((r) => setTimeout(r, 200));
    // One account per login loop, as 20 people logging in (one account's parallel attempts are held back by the login guard).
    const token = JSON.parse((await request('POST', '/api/auth/login', JSON.stringify({ email: EMAIL, password: PASSWORD }))).text).accessToken;
    const accounts = Array.from({ length: PARALLEL_LOGINS }, (_, i) => JSON.stringify({ email: `bench${i}@example.test`, password: PASSWORD }));
    for (const account of accounts) await request('POST', '/api/users', account, token);
    const idle = await healthLatency(samples);

    let running = true;
    let logins = 0;
    const refused: Record<number, number> = {};
    const loop = async (body: string) => {
      while (running) {
        const { status } = await request('POST', '/api/auth/login', body);
        if (status === 200) logins++;
        else refused[status] = (refused[status] ?? 0) + 1;
      }
    };
    const loops = accounts.map(loop);
    await new Promise((r) => setTimeout(r, 500));
    const started = performance.now();
    const startLogins = logins;
    const loaded = await healthLatency(samples);
    const seconds = (performance.now() - started) / 1000;
    const rate = (logins - startLogins) / seconds;
    running = false;
    await Promise.all(loops);

    const refusals = Object.keys(refused).length ? `, refused: ${JSON.stringify(refused)}` : '';
    report.add({
      goal: `/health p99 (${samples} in a row) with ${PARALLEL_LOGINS} parallel logins: < 10 ms`,
      peer: 'idle API',
      peerFigure: `p99 ${ms(idle.p99)}`,
      ours: `p99 ${ms(loaded.p99)} (${rate.toFixed(1)} logins/s${refusals})`,
      pass: loaded.p99 < 10,
    });
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
    agent.destroy();
    await deleteKeys(prefix);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
