import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ensureTool } from './files';
import { createDatabase } from '../db/knex';
import { loadConfig } from '../lib/config';
import { login, Stack, startStack } from './stack';
import { ms, Report } from './report';

interface LoadResult {
  p99: number;
  rate: number;
  errors: number;
}

const CONNECTIONS = 20;

/**
 * Steady load with hey (Debian's `hey`): `CONNECTIONS` clients, each sending one request every
 * `CONNECTIONS / rate` seconds, for `durationSeconds`. The p99 is computed here from every
 * response's time (`-o csv`): hey's own percentile table drops its 99% line on short runs.
 * Not autocannon: its `overallRate` lets each connection send its whole second's quota back to
 * back when the second starts (lib/httpClient.js resets the count once a second), so "500 req/s"
 * became a ~1,900 req/s burst for a quarter of each second and an idle rest, and its coordinated
 * omission correction spaces its phantom samples `ceil(1 / rate)` = 1 ms apart instead of
 * `1000 / rate` ms. hey's clients tick together, so the API still meets bursts of 20 at once.
 * Requests that failed to connect leave no line: they show as a lower achieved rate.
 */
export function steadyLoad(url: string, rate: number, durationSeconds: number, headers: Record<string, string> = {}): LoadResult {
  ensureTool('hey', 'hey');
  const args = ['-z', `${durationSeconds}s`, '-c', String(CONNECTIONS), '-q', String(rate / CONNECTIONS), '-o', 'csv'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const lines = execFileSync('hey', [...args, url], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).trim().split('\n').slice(1);
  // response-time (s), DNS+dialup, DNS, request-write, response-delay, response-read, status-code, offset
  const answers = lines.map((line) => line.split(',')).map((cells) => ({ ms: Number(cells[0]) * 1000, status: Number(cells[6]) }));
  if (answers.length === 0) throw new Error(`hey got no answer from ${url}`);
  const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
  return {
    p99: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)],
    rate: answers.length / durationSeconds,
    errors: answers.filter((a) => a.status < 200 || a.status > 299).length,
  };
}

/** 10,000 releases of one upload, straight into the stack's database (what a busy year leaves). */
export async function seedReleases(stack: Stack, count: number): Promise<void> {
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
    const health = steadyLoad(`${stack.url}/health`, options.rate, options.durationSeconds);
    report.add({
      goal: `/health p99 at ${options.rate} req/s for ${options.durationSeconds} s: < 10 ms`,
      peer: 'achieved rate',
      peerFigure: `${health.rate.toFixed(0)} req/s`,
      ours: `p99 ${ms(health.p99)}${health.errors ? `, ${health.errors} errors` : ''}`,
      pass: health.p99 < 10 && health.errors === 0 && health.rate >= options.rate * 0.95,
    });
    const list = steadyLoad(`${stack.url}/api/releases?page=1&pageSize=20`, options.rate, options.durationSeconds, { Authorization: `Bearer ${token}` });
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
