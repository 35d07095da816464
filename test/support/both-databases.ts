import type { Knex } from 'knex';
import { createDatabase } from '../../db/knex';
import { createTestEnv, TestEnv } from './test-env';

export type Dialect = 'sqlite' | 'mysql';

/** Runs `use` with a knex on the test's database, destroyed afterwards whatever happens. */
export type WithDatabase = (use: (db: Knex) => Promise<void>) => Promise<void>;

/**
 * Tests run once on SQLite and once on MySQL/MariaDB (the same migrations and statements serve
 * development and production): each dialect gets a fresh database, and each test opens its own
 * knex on it with `withDb` (a migration's tests drive the migrations up and down themselves).
 */
export function describeOnBothDatabases(title: string, body: (dialect: Dialect, withDb: WithDatabase) => void): void {
  describe.each(['sqlite', 'mysql'] as const)(`${title} on %s`, (dialect) => {
    let testEnv: TestEnv;
    beforeAll(async () => {
      testEnv = await createTestEnv({}, dialect);
    });
    afterAll(() => testEnv.cleanup());

    body(dialect, async (use) => {
      const db = createDatabase(testEnv.config.database);
      try {
        await use(db);
      } finally {
        await db.destroy();
      }
    });
  });
}

/** The rows a release needs before it can be inserted by hand: user 1 and its upload `u`. */
export async function insertUploadOwner(db: Knex): Promise<void> {
  await db('users').insert({ id: 1, email: 'a@b.c', passwordHash: 'x', role: 'admin', disabled: false, createdAt: new Date(), updatedAt: new Date() });
  await db('uploads').insert({ id: 'u', userId: 1, originalName: 'b.epub', storedName: 'u', size: 1, sha256: 'a'.repeat(64), status: 'inspected', createdAt: new Date(), updatedAt: new Date() });
}

/** A finished release row of upload `u` (see `insertUploadOwner`), with `fields` over the defaults. */
export function releaseRow(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, uploadId: 'u', userId: 1, requestKey: id.padEnd(64, '0'), options: '{}', state: 'done', progress: 100, releaseDate: '2026-01-01', createdAt: new Date(), updatedAt: new Date(), ...fields };
}
