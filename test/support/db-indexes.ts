import type { Database } from '../../db/knex';

/** The names of a table's indexes, as the database reports them (SQLite's index list, MySQL's SHOW INDEX). */
export async function indexNames(db: Database, dialect: 'sqlite' | 'mysql', table: string): Promise<string[]> {
  if (dialect === 'sqlite') return ((await db.raw(`PRAGMA index_list('${table}')`)) as { name: string }[]).map((r) => r.name);
  const [rows] = (await db.raw(`SHOW INDEX FROM ${table}`)) as [{ Key_name: string }[]];
  return [...new Set(rows.map((r) => r.Key_name))];
}
