import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTool } from './files';
import { createDatabase } from '../db/knex';
import { loadConfig } from '../lib/config';
import { apiInstances, login, Stack, startStack } from './stack';
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

// wrk's script: every request carries BENCH_HEADERS (name: value lines); after each answer the
// connection waits a random 0 to 2 x BENCH_MEAN_DELAY_MS, so the connections' requests arrive
// independently, not in step; done() prints the figures wrk measured.
const PACED_SCRIPT = `
local headers = {}
for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  headers[name] = value
end
local mean = tonumber(os.getenv("BENCH_MEAN_DELAY_MS"))
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
function request()
  for name, value in pairs(headers) do wrk.headers[name] = value end
  return wrk.format(nil)
end
function delay() return math.random(0, 2 * mean) end
function done(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("paced %d %d %.3f\\n", summary.requests, bad, latency:percentile(99) / 1000))
end`;

/**
 * Steady load with independent arrivals: wrk (Debian) with `CONNECTIONS` connections, each waiting a
 * random time (mean `CONNECTIONS / rate` less the answer's own time) between an answer and its next
 * request, so the requests arrive spread out as many independent users' do, not in step as hey's.
 * The answer's time comes from a calibration run of up to 5 seconds at the same rate; wrk's latency is
 * measured from each request's send.
 */
export function pacedLoad(url: string, rate: number, durationSeconds: number, headers: Record<string, string> = {}): LoadResult {
  ensureTool('wrk', 'wrk');
  const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'esp-wrk-')), 'paced.lua');
  fs.writeFileSync(script, PACED_SCRIPT);
  const run = (seconds: number, meanDelayMs: number) => {
    const env = { ...process.env, BENCH_MEAN_DELAY_MS: String(Math.max(0, Math.round(meanDelayMs))), BENCH_HEADERS: Object.entries(headers).map(([n, v]) => `${n}: ${v}`).join('\n') };
    const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '-s', script, url], { env, encoding: 'utf8' });
    const [, requests, errors, p99] = /paced (\d+) (\d+) ([\d.]+)/.exec(out) ?? [];
    if (!requests) throw new Error(`wrk printed no figures: ${out.slice(0, 300)}`);
    return { p99: Number(p99), rate: Number(requests) / seconds, errors: Number(errors) };
  };
  try {
    const cycleMs = (CONNECTIONS * 1000) / rate;
    const calibration = run(Math.min(5, durationSeconds), cycleMs);
    const answerMs = Math.max(0, (CONNECTIONS * 1000) / calibration.rate - cycleMs);
    return run(durationSeconds, cycleMs - answerMs);
  } finally {
    fs.rmSync(path.dirname(script), { recursive: true, force: true });
  }
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

/**
 * /health and a page of the release list at a steady 500 requests/s against the real API. The goals
 * are judged on the API as deployed (PM2's cluster of `API_INSTANCES`, 2 by default:
 * ecosystem.config.js) under independent arrivals (wrk, `pacedLoad`); for information, the same on
 * one API process, and each under hey's clients ticking in step (`steadyLoad`: 20 requests at once
 * every 40 ms, a harsher shape than users make).
 */
export async function benchApi(report: Report, options: { rate: number; durationSeconds: number; rows: number; port: number }): Promise<void> {
  const deployed = apiInstances();
  for (const instances of deployed > 1 ? [deployed, 1] : [1]) {
    const stack = await startStack(options.port, {}, instances);
    try {
      await stack.startWorkers(1);
      await seedReleases(stack, options.rows);
      const auth = { Authorization: `Bearer ${await login(stack)}` };
      const layout = instances > 1 ? `${instances} API instances` : 'one API process';
      const targets = [
        { what: '/health', url: `${stack.url}/health`, headers: {}, limit: 10 },
        { what: `GET /api/releases (20 of ${options.rows})`, url: `${stack.url}/api/releases?page=1&pageSize=20`, headers: auth, limit: 25 },
      ];
      for (const target of targets) {
        for (const [shape, load] of [['independent arrivals', pacedLoad], ['20 at once every 40 ms', steadyLoad]] as const) {
          const result = load(target.url, options.rate, options.durationSeconds, target.headers);
          // The goal is the deployed layout's under independent arrivals; the other figures inform.
          const judged = instances === deployed && load === pacedLoad;
          report.add({
            goal: `${target.what} p99 at ${options.rate} req/s for ${options.durationSeconds} s, ${layout}, ${shape}: < ${target.limit} ms`,
            peer: 'achieved rate',
            peerFigure: `${result.rate.toFixed(0)} req/s`,
            ours: `p99 ${ms(result.p99)}${result.errors ? `, ${result.errors} errors` : ''}`,
            pass: judged ? result.p99 < target.limit && result.errors === 0 && result.rate >= options.rate * 0.95 : undefined,
          });
        }
      }
    } finally {
      await stack.close();
    }
  }
}
