import fs from 'node:fs';
import path from 'node:path';
import knex, { Knex } from 'knex';
import { knexSnakeCaseMappers } from 'objection';
import type { DatabaseConfig } from '../lib/config';
import { migrationSource } from './migrations';

export type Database = Knex;

/**
 * Opens the database the config names: MySQL/MariaDB through mysql2, or a local SQLite file.
 * Code uses camelCase names everywhere; the snake-case mappers translate to the tables' columns.
 */
export function createDatabase(config: DatabaseConfig): Database {
  if (config.client === 'better-sqlite3') {
    if (config.filename !== ':memory:') fs.mkdirSync(path.dirname(config.filename), { recursive: true });
    return knex({
      client: 'better-sqlite3',
      connection: { filename: config.filename },
      useNullAsDefault: true,
      ...knexSnakeCaseMappers(),
      migrations: { migrationSource },
      pool: {
        afterCreate(conn: { pragma(sql: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          // WAL lets the API read while a worker writes; foreign keys are off by default in SQLite.
          conn.pragma('journal_mode = WAL');
          // In WAL mode NORMAL syncs the log at checkpoints, not at every commit (one fsync each, about
          // 4-8 ms here, serialised across every process): the database never corrupts, and a power cut
          // can only roll back the last commits, which job retries and the reconciler redo (published
          // release files are fsync'ed by the packer either way).
          conn.pragma('synchronous = NORMAL');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('foreign_keys = ON');
          done(null, conn);
        },
      },
    });
  }
  return knex({
    client: 'mysql2',
    connection: { uri: config.url, charset: 'utf8mb4', timezone: 'Z', supportBigNumbers: true, bigNumberStrings: false, dateStrings: false },
    pool: { min: 0, max: 10 },
    ...knexSnakeCaseMappers(),
    migrations: { migrationSource },
  } as Knex.Config);
}

export async function migrateLatest(db: Database): Promise<string[]> {
  const [, applied] = await db.migrate.latest();
  return applied as string[];
}
