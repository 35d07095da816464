import { execFileSync } from 'node:child_process';
import { ensureTool } from './files';
import { seedReleases } from './api-bench';
import { median } from './report';
import { cpuSeconds, login, startStack } from './stack';

/**
 * The API process's CPU time per request (user + system, from /proc), with hey sending requests
 * as fast as 20 clients can: a figure that a busy machine distorts far less than a latency
 * percentile. `node dist/bench/api-cpu.js`: `/health` and a page of 20 of the release list (as the
 * admin, 10,000 releases), each measured `BENCH_CPU_RUNS` times (3) over `BENCH_CPU_REQUESTS`
 * requests (5,000) after a warm-up of `BENCH_CPU_WARMUP` (3,000); `BENCH_CPU_TARGETS=list` measures the list alone. Not part of `npm run bench`: no goal is set on it.
 */
const runs = Number(process.env.BENCH_CPU_RUNS ?? 3);
const requests = Number(process.env.BENCH_CPU_REQUESTS ?? 5000);
const warmUp = Number(process.env.BENCH_CPU_WARMUP ?? 3000);
const rows = Number(process.env.BENCH_API_ROWS ?? 10_000);
const only = (process.env.BENCH_CPU_TARGETS ?? 'health,list').split(',');

function hey(url: string, count: number, headers: Record<string, string>): void {
  const args = ['-n', String(count), '-c', '20'];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  const out = execFileSync('hey', [...args, url], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const codes = /Status code distribution:\n([\s\S]*?)(\n\n|$)/.exec(out)?.[1].trim() ?? '';
  if (!/^\[200\]\s+\d+ responses$/.test(codes)) throw new Error(`${url}: not every answer was a 200:\n${codes}`);
}

async function main(): Promise<void> {
  ensureTool('hey', 'hey');
  const stack = await startStack(Number(process.env.BENCH_CPU_PORT ?? 5093));
  try {
    await stack.startWorkers(1);
    await seedReleases(stack, rows);
    const token = await login(stack);
    const targets: { key: string; name: string; url: string; headers: Record<string, string> }[] = [
      { key: 'health', name: '/health', url: `${stack.url}/health`, headers: {} },
      { key: 'list', name: `GET /api/releases (20 of ${rows})`, url: `${stack.url}/api/releases?page=1&pageSize=20`, headers: { Authorization: `Bearer ${token}` } },
    ];
    for (const target of targets.filter((t) => only.includes(t.key))) {
      hey(target.url, warmUp, target.headers);
      const perRequest: number[] = [];
      for (let i = 0; i < runs; i++) {
        const before = cpuSeconds(stack.apiPid);
        hey(target.url, requests, target.headers);
        perRequest.push(((cpuSeconds(stack.apiPid) - before) * 1000) / requests);
      }
      const figures = perRequest.map((n) => n.toFixed(3)).join(', ');
      console.log(`${target.name}: median ${median(perRequest).toFixed(3)} ms of API CPU per request (runs: ${figures}; ${requests} requests each)`);
    }
  } finally {
    await stack.close();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
