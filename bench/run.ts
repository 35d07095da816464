import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchApi } from './api-bench';
import { benchDupes } from './dupe-bench';
import { benchLoginLoad } from './login-load';
import { benchPacking } from './pack-bench';
import { benchPipeline } from './pipeline-bench';
import { Report } from './report';
import { benchStatements } from './sql-count';
import { benchUpload } from './upload-bench';

/**
 * `npm run bench`: every performance goal of the product beside the peer it is measured against
 * in the same run, as one table. Not a test: it asserts nothing and never runs in CI.
 * `npm run bench:smoke` (`--smoke`) runs every section small (a 20 MB book, a few requests) to
 * prove the bench works; it exits 0 once it has printed the table, whatever the figures.
 * BENCH_SECTIONS (pack,upload,pipeline,statements,dupes,api,logins) picks sections; BENCH_MYSQL_URL
 * (a MySQL/MariaDB server) adds the pipeline, statement and dupe figures on a fresh schema there.
 */
const smoke = process.argv.includes('--smoke');
const sections = (process.env.BENCH_SECTIONS ?? 'pack,upload,pipeline,statements,dupes,api,logins').split(',');
const num = (name: string, full: number, small: number) => Number(process.env[name] ?? (smoke ? small : full));

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-bench-'));
  const report = new Report();
  const section = async (name: string, run: () => Promise<void> | void) => {
    if (!sections.includes(name)) return;
    const started = performance.now();
    try {
      await run();
    } catch (err) {
      report.failed(name, err);
    }
    process.stderr.write(`bench: ${name} took ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  };
  try {
    await section('pack', () =>
      benchPacking(report, work, {
        bookMb: num('BENCH_PACK_MB', 1000, 20),
        volumeMb: smoke ? 5 : 50,
        runs: num('BENCH_PACK_RUNS', 3, 1),
        flatMb: [num('BENCH_FLAT_SMALL_MB', 100, 5), num('BENCH_FLAT_LARGE_MB', 4000, 20)],
      }),
    );
    await section('upload', () => benchUpload(report, work, { bookMb: num('BENCH_UPLOAD_MB', 1000, 20), port: 5099 }));
    await section('pipeline', () =>
      benchPipeline(report, work, { latencyReleases: num('BENCH_LATENCY_RELEASES', 30, 3), throughputReleases: num('BENCH_THROUGHPUT_RELEASES', 600, 10), bookBytes: 1_000_000, port: 5097, mysqlUrl: process.env.BENCH_MYSQL_URL }),
    );
    await section('statements', () => benchStatements(report, { releases: num('BENCH_STATEMENT_RELEASES', 6, 2), mysqlUrl: process.env.BENCH_MYSQL_URL }));
    await section('dupes', () => benchDupes(report, { releases: num('BENCH_DUPE_RELEASES', 10_000, 200), runs: num('BENCH_DUPE_RUNS', 30, 5), mysqlUrl: process.env.BENCH_MYSQL_URL }));
    await section('api', () => benchApi(report, { rate: num('BENCH_API_RATE', 500, 50), durationSeconds: num('BENCH_API_SECONDS', 30, 2), rows: num('BENCH_API_ROWS', 10_000, 200), port: 5095 }));
    await section('logins', () => benchLoginLoad(report, num('BENCH_LOGIN_SAMPLES', 300, 60)));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const load = os.loadavg().map((n) => n.toFixed(2)).join(' ');
  report.notes.push(`${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average at the end ${load}${smoke ? '; smoke run: small sizes, figures mean nothing' : ''}`);
  console.log(report.render());
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
