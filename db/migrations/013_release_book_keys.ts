import type { Knex } from 'knex';
import { enrichmentBookKeys } from '../../lib/domain/book-identity';

/**
 * An enriched release's book identity in two indexed columns, its ISBN-13 and its title key
 * (title, first author and year, hashed: lib/domain/book-identity.ts), so the dupe order finds
 * the releases of a book by index: it read every live release of the type, JSON and all, on
 * each SCAN or HYBRiD request. Releases enriched before this migration are keyed here, from the
 * record their enrichment stored.
 */
const INDEXES = [
  { column: 'book_isbn', name: 'releases_book_isbn_index' },
  { column: 'book_title_key', name: 'releases_book_title_key_index' },
];
const BATCH = 500;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('releases', (t) => {
    t.string('book_isbn', 13).nullable();
    t.string('book_title_key', 64).nullable();
    for (const index of INDEXES) t.index([index.column], index.name);
  });
  // In batches by id, so a large table is never read into memory at once.
  for (let after = ''; ; ) {
    const rows: { id: string; metadata: unknown }[] = await knex('releases').select('id', 'metadata').whereNotNull('metadata').where('id', '>', after).orderBy('id').limit(BATCH);
    for (const row of rows) {
      // A JSON text column; the driver may hand it over parsed.
      const keys = enrichmentBookKeys(typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata);
      if (keys.bookIsbn || keys.bookTitleKey) await knex('releases').where({ id: row.id }).update({ book_isbn: keys.bookIsbn, book_title_key: keys.bookTitleKey });
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1].id;
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('releases', (t) => {
    for (const index of INDEXES) t.dropIndex([index.column], index.name);
    t.dropColumns(...INDEXES.map((index) => index.column));
  });
}
