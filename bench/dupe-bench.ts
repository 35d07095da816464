import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Actor } from '../api/services/actor';
import { refuseOutrankedSource } from '../api/services/dupe-policy';
import { createDatabase, Database, migrateLatest } from '../db/knex';
import { bindModels, Release, User } from '../db/models';
import type { DatabaseConfig } from '../lib/config';
import { storedBookKeys } from '../lib/domain/book-identity';
import { releaseOptionsSchema } from '../lib/domain/release-options';
import { createBenchSchema } from './mysql-schema';
import { median, Report } from './report';

/** Two decimals: the figures here are fractions of a millisecond. */
const fineMs = (n: number) => `${n.toFixed(2)} ms`;

const DESCRIPTION = 'What the catalogue says of the book, as long as a real blurb. '.repeat(32);

/** Enriched RETAiL releases of distinct books, each with its upload, straight into the database (years of releasing). */
async function seedEnrichedReleases(db: Database, count: number): Promise<string> {
  const now = new Date();
  const [userId] = await db('users').insert({ email: 'bench@example.test', passwordHash: 'x', role: 'admin', disabled: false, createdAt: now, updatedAt: now });
  const options = JSON.stringify(releaseOptionsSchema.parse({ group: 'ESP', source: 'RETAIL' }));
  let lastId = '';
  for (let start = 0; start < count; start += 200) {
    const uploads = [];
    const releases = [];
    for (let i = start; i < Math.min(count, start + 200); i++) {
      const book = { format: 'epub', title: `Book Number ${i}`, authors: [`Author ${i}`], year: 1950 + (i % 75), description: DESCRIPTION };
      const uploadId = randomUUID();
      uploads.push({ id: uploadId, userId, originalName: 'b.epub', storedName: uploadId, size: 1, sha256: randomBytes(32).toString('hex'), status: 'inspected', metadata: JSON.stringify(book), createdAt: now, updatedAt: now });
      lastId = randomUUID();
      const metadata = JSON.stringify({ record: { ...book, sources: {} }, confidence: 1, providers: [] });
      releases.push({ id: lastId, uploadId, userId, requestKey: lastId.replace(/-/g, '').padEnd(64, '0'), options, type: 'EBOOK', state: 'done', progress: 100, releaseDate: '2026-01-01', metadata, ...storedBookKeys(book), createdAt: now, updatedAt: now });
    }
    await db('uploads').insert(uploads);
    await db('releases').insert(releases);
  }
  return lastId;
}

/** Milliseconds per call of `run`, the median of `runs` calls after one warm-up. */
async function timed(runs: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function measure(config: DatabaseConfig, releases: number, runs: number) {
  const db = createDatabase(config);
  try {
    await migrateLatest(db);
    bindModels(db);
    const someId = await seedEnrichedReleases(db, releases);
    const newBook = { sha256: randomBytes(32).toString('hex'), metadata: { format: 'epub' as const, title: 'A Book Nobody Released', authors: ['Someone New'], year: 2024, identifiers: [] } };
    const scan = releaseOptionsSchema.parse({ group: 'ESP', source: 'SCAN' });
    const asker = new Actor({ id: 0 } as User, new Set());
    return {
      check: await timed(runs, () => refuseOutrankedSource(asker, newBook as never, scan)),
      byId: await timed(runs, async () => await Release.query().findById(someId)),
    };
  } finally {
    await db.destroy();
  }
}

/**
 * A SCAN request's dupe-order check (api/services/dupe-policy.ts) for a book nobody released, with
 * `releases` enriched releases stored, in this process: on SQLite, and on a new schema on the
 * MySQL/MariaDB server at `mysqlUrl` when given. The peer is reading one release by its id on the
 * same database. Information only: the check used to read every release of the type (hundreds of
 * ms at 10,000); it now reads by index, and this row shows it stays near a point read.
 */
export async function benchDupes(report: Report, options: { releases: number; runs: number; mysqlUrl?: string }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-bench-dupes-'));
  try {
    const databases: [string, () => Promise<{ config: DatabaseConfig; drop(): Promise<void> }>][] = [
      ['SQLite', async () => ({ config: { client: 'better-sqlite3', filename: path.join(dir, 'bench.sqlite') }, drop: async () => {} })],
    ];
    if (options.mysqlUrl) {
      const serverUrl = options.mysqlUrl;
      databases.push(['MySQL/MariaDB', async () => {
        const schema = await createBenchSchema(serverUrl, `esp_bench_dupes_${process.pid}`);
        return { config: { client: 'mysql2', url: schema.url }, drop: schema.drop };
      }]);
    }
    for (const [name, open] of databases) {
      const database = await open();
      try {
        const figures = await measure(database.config, options.releases, options.runs);
        report.add({
          goal: `SCAN request's dupe-order check, ${options.releases} enriched releases stored, ${name} (median of ${options.runs})`,
          peer: 'one release read by id',
          peerFigure: fineMs(figures.byId),
          ours: fineMs(figures.check),
        });
      } finally {
        await database.drop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
