import fs from 'node:fs';
import path from 'node:path';
import knex, { Knex } from 'knex';
import { knexSnakeCaseMappers } from 'objection';
import type { DatabaseConfig } from '../lib/config';
import { migrationSource } from './migrations';

export type Database = Knex;

/** What this module uses of a better-sqlite3 connection (the package ships no types). */
interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

/** Statements kept per SQLite connection; the product issues a few dozen distinct ones. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Keeps the statements a connection prepares, by SQL text, for that connection's life: knex's
 * better-sqlite3 dialect prepares every query afresh (SQLite parses and plans it each time), while
 * the product sends the same few dozen texts over and over. The least recently used one goes once
 * the cache is full (`IN` lists and multi-row inserts make texts that vary with their length).
 * Reusing a statement is safe: knex runs it to completion at once (`all` or `run`, synchronous),
 * and SQLite prepares it again by itself when the schema has changed since.
 */
export function cachePreparedStatements(conn: Pick<SqliteConnection, 'prepare'>, size = STATEMENT_CACHE_SIZE): void {
  const prepare = conn.prepare.bind(conn);
  const statements = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (statements.size >= size) statements.delete(statements.keys().next().value as string);
    } else {
      // Map keeps insertion order: moved to the end, the least recently used stays first.
      statements.delete(sql);
    }
    statements.set(sql, statement);
    return statement;
  };
}

/**
 * A failed statement's error names the statement with `?` for its values, never the values: they
 * can be password hashes or sealed credentials, and errors reach the logs.
 */
const STATEMENT_ERRORS = { compileSqlOnError: false };
/** knex's default name for the table of applied migrations. */
const MIGRATIONS_TABLE = 'knex_migrations';

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
      ...STATEMENT_ERRORS,
      ...knexSnakeCaseMappers(),
      migrations: { migrationSource },
      pool: {
        afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
          // WAL lets the API read while a worker writes; foreign keys are off by default in SQLite.
          conn.pragma('journal_mode = WAL');
          // In WAL mode NORMAL syncs the log at checkpoints, not at every commit (one fsync each, about
          // 4-8 ms here, serialised across every process): the database never corrupts, and a power cut
          // can only roll back the last commits, which job retries and the reconciler redo (published
          // release files are fsync'ed by the packer either way).
          conn.pragma('synchronous = NORMAL');
          conn.pragma('busy_timeout = 5000');
          conn.pragma('foreign_keys = ON');
          cachePreparedStatements(conn);
          done(null, conn);
        },
      },
    });
  }
  return knex({
    client: 'mysql2',
    connection: { uri: config.url, charset: 'utf8mb4', timezone: 'Z', supportBigNumbers: true, bigNumberStrings: false, dateStrings: false },
    pool: { min: 0, max: 10 },
    ...STATEMENT_ERRORS,
    ...knexSnakeCaseMappers(),
    migrations: { migrationSource },
  } as Knex.Config);
}

/** Where the database's schema stands against the migrations this code ships. */
export interface SchemaStatus {
  /** Whether the migrations table exists at all (a fresh or emptied database has none). */
  migrationsTable: boolean;
  applied: string[];
  /** The code's migrations not applied: the code expects tables or columns the database lacks. */
  pending: string[];
  /** Applied migrations this code does not know (a newer release migrated, then this one was deployed). */
  unknown: string[];
}

/**
 * Reads the applied migrations without changing anything: knex's own migrate.list() creates the
 * migrations table when it is missing, which a health check or a status command must not do.
 */
export async function schemaStatus(db: Database): Promise<SchemaStatus> {
  const known = (await migrationSource.getMigrations([])).map((m) => migrationSource.getMigrationName(m));
  if (!(await db.schema.hasTable(MIGRATIONS_TABLE))) return { migrationsTable: false, applied: [], pending: known, unknown: [] };
  const applied = (await db(MIGRATIONS_TABLE).select('name').orderBy('id')).map((row: { name: string }) => row.name);
  const done = new Set(applied);
  return { migrationsTable: true, applied, pending: known.filter((name) => !done.has(name)), unknown: applied.filter((name) => !known.includes(name)) };
}

export async function migrateLatest(db: Database): Promise<string[]> {
  const [, applied] = await db.migrate.latest();
  return applied as string[];
}
