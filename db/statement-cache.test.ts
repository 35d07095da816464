import { cachePreparedStatements, createDatabase, Database } from './knex';

/** A better-sqlite3 connection, as far as these tests use one (the package ships no types). */
interface Connection {
  prepare(sql: string): unknown;
  close(): void;
}

/**
 * The prepared-statement cache of SQLite connections (db/knex.ts): a text prepared once per
 * connection, the least recently used text dropped when full, and results that follow the schema.
 */
describe('prepared statements kept per SQLite connection', () => {
  it('prepares a text once and drops the least recently used one when full', async () => {
    const db = createDatabase({ client: 'better-sqlite3', filename: ':memory:' });
    // A bare connection from knex's own driver, without the cache the pool adds.
    const Driver = db.client.driver as new (filename: string) => Connection;
    const conn = new Driver(':memory:');
    try {
      cachePreparedStatements(conn, 2);
      const a = conn.prepare('SELECT 1');
      expect(conn.prepare('SELECT 1')).toBe(a);
      const b = conn.prepare('SELECT 2');
      // Used again, SELECT 1 is the most recent: the third text pushes SELECT 2 out, not it.
      expect(conn.prepare('SELECT 1')).toBe(a);
      conn.prepare('SELECT 3');
      expect(conn.prepare('SELECT 1')).toBe(a);
      expect(conn.prepare('SELECT 2')).not.toBe(b);
    } finally {
      conn.close();
      await db.destroy();
    }
  });

  describe('through knex', () => {
    let db: Database;
    beforeAll(() => {
      db = createDatabase({ client: 'better-sqlite3', filename: ':memory:' });
    });
    afterAll(() => db.destroy());

    it('reuses the statement of a query sent again, and answers as a fresh one would', async () => {
      await db.schema.createTable('books', (t) => {
        t.increments('id');
        t.string('title');
      });
      await db('books').insert([{ title: 'A' }, { title: 'B' }]);
      const conn = (await db.client.acquireConnection()) as Connection;
      try {
        const sql = db('books').where({ title: 'A' }).toSQL().sql;
        expect(conn.prepare(sql)).toBe(conn.prepare(sql));
      } finally {
        await db.client.releaseConnection(conn);
      }
      expect(await db('books').where({ title: 'A' })).toEqual([{ id: 1, title: 'A' }]);
      expect(await db('books').where({ title: 'B' })).toEqual([{ id: 2, title: 'B' }]);
    });

    it('answers with the columns of the schema as it is now, after a change', async () => {
      expect(await db('books').select('*').orderBy('id')).toEqual([
        { id: 1, title: 'A' },
        { id: 2, title: 'B' },
      ]);
      await db.schema.alterTable('books', (t) => t.integer('year'));
      await db('books').update({ year: 2012 }).where({ id: 1 });
      expect(await db('books').select('*').orderBy('id')).toEqual([
        { id: 1, title: 'A', year: 2012 },
        { id: 2, title: 'B', year: null },
      ]);
    });
  });
});
