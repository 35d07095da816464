import { randomUUID } from 'node:crypto';
import { createDatabase } from '../db/knex';
import { loadConfig } from '../lib/config';
import { login, Stack, startStack } from './stack';
import { ms, Report } from './report';

interface LoadResult {
  p99: number;
  rate: number;
  errors: number;
}

/** Constant-rate load with autocannon (`overallRate` requests per second over `connections`). */
async function load(url: string, rate: number, durationSeconds: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  const autocannon = (await import('autocannon')).default as unknown as (options: object) => Promise<{ latency: { p99: number }; requests: { average: number }; non2xx: number; errors: number; timeouts: number }>;
  const result = await autocannon({ url, connections: 20, overallRate: rate, duration: durationSeconds, headers });
  return { p99: result.latency.p99, rate: result.requests.average, errors: result.non2xx + result.errors + result.timeouts };
}

/** 10,000 releases of one upload, straight into the stack's database (what a busy year leaves). */
async function seedReleases(stack: Stack, count: number): Promise<void> {
  const db = createDatabase(loadConfig(stack.env).database);
  try {
    const user = await db('users').first('id');
    const uploadId = randomUUID();
    const now = Date.now();
    await db('uploads').insert({ id: uploadId, userId: user.id, originalName: 'b.epub', storedName: uploadId, size: 1, sha256: 'b'.repeat(64), status: 'inspected', createdAt: new Date(now), updatedAt: new Date(now) });
    const rows = Array.from({ length: count }, (_, i) => {
      const at = new Date(now - (count - i) * 60_000);
      const id = randomUUID();
      return { id, uploadId, userId: user.id, requestKey: id.replace(/-/g, '').padEnd(64, '0'), options: JSON.stringify({ type: 'EBOOK', group: 'ESP', source: 'RETAIL' }), state: i % 10 ? 'done' : 'failed', progress: 100, name: `Bench.Author.Book.${i}.2024.RETAiL.ePub.eBook-ESP`, releaseDate: '2026-01-01', createdAt: at, updatedAt: at };
    });
    for (let i = 0; i < rows.length; i += 200) await db('releases').insert(rows.slice(i, i + 200));
  } finally {
    await db.destroy();
  }
}

/** /health and a page of the release list at a steady 500 requests/s against the real API process. */
export async function benchApi(report: Report, options: { rate: number; durationSeconds: number; rows: number; port: number }): Promise<void> {
  const stack = await startStack(options.port);
  try {
    await stack.startWorkers(1);
    await seedReleases(stack, options.rows);
    const token = await login(stack);
    const health = await load(`${stack.url}/health`, options.rate, options.durationSeconds);
    report.add({
      goal: `/health p99 at ${options.rate} req/s for ${options.durationSeconds} s: < 10 ms`,
      peer: 'achieved rate',
      peerFigure: `${health.rate.toFixed(0)} req/s`,
      ours: `p99 ${ms(health.p99)}${health.errors ? `, ${health.errors} errors` : ''}`,
      pass: health.p99 < 10 && health.errors === 0 && health.rate >= options.rate * 0.95,
    });
    const list = await load(`${stack.url}/api/releases?page=1&pageSize=20`, options.rate, options.durationSeconds, { Authorization: `Bearer ${token}` });
    report.add({
      goal: `GET /api/releases (20 of ${options.rows}) p99 at ${options.rate} req/s for ${options.durationSeconds} s: < 25 ms`,
      peer: 'achieved rate',
      peerFigure: `${list.rate.toFixed(0)} req/s`,
      ours: `p99 ${ms(list.p99)}${list.errors ? `, ${list.errors} errors` : ''}`,
      pass: list.p99 < 25 && list.errors === 0 && list.rate >= options.rate * 0.95,
    });
  } finally {
    await stack.close();
  }
}
