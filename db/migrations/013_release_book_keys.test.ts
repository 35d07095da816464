import { migrateLatest } from '../knex';
import { storedTitleKey } from '../../lib/domain/book-identity';
import { indexNames } from '../../test/support/db-indexes';
import { describeOnBothDatabases, insertUploadOwner, releaseRow } from '../../test/support/both-databases';

const MIGRATION = '013_release_book_keys';

/** Migration 013 up and down: the book keys of releases enriched before it, in indexed columns. */
describeOnBothDatabases(MIGRATION, (dialect, withDb) => {
  it('keys every release enriched before it, in batches, from its stored record; and goes down to exactly the table before', () =>
    withDb(async (db) => {
      await migrateLatest(db);
      await db.migrate.down({ name: MIGRATION });
      const indexesBefore = (await indexNames(db, dialect, 'releases')).sort();
      expect(await db.schema.hasColumn('releases', 'book_isbn')).toBe(false);
      await insertUploadOwner(db);
      const release = (id: string, record?: Record<string, unknown>) => releaseRow(id, { metadata: record ? JSON.stringify({ record, confidence: 1, providers: [] }) : null });
      const earthsea = { format: 'epub', title: 'A Wizard of Earthsea', authors: ['Ursula K. Le Guin'], year: 1968, isbn: '0-553-26250-5', sources: {} };
      // More than one batch of 500, the keyed releases last (ids sort after the filler's).
      const filler = Array.from({ length: 510 }, (_, i) => release(`f${String(i).padStart(4, '0')}`, { format: 'epub', authors: [], sources: {} }));
      for (let i = 0; i < filler.length; i += 100) await db('releases').insert(filler.slice(i, i + 100));
      await db('releases').insert([
        release('r-both', earthsea),
        release('r-no-isbn', { ...earthsea, isbn: undefined }),
        release('r-no-year', { ...earthsea, year: undefined, isbn: 'not an isbn' }),
        release('r-not-enriched'),
      ]);

      await db.migrate.up({ name: MIGRATION });
      const keys = await db('releases').whereNotNull('bookIsbn').orWhereNotNull('bookTitleKey').orderBy('id').select('id', 'bookIsbn', 'bookTitleKey');
      const titleKey = storedTitleKey('a wizard of earthsea|guin k le ursula|1968');
      expect(keys).toEqual([
        { id: 'r-both', bookIsbn: '9780553262506', bookTitleKey: titleKey },
        { id: 'r-no-isbn', bookIsbn: null, bookTitleKey: titleKey },
      ]);
      expect(await indexNames(db, dialect, 'releases')).toEqual(expect.arrayContaining(['releases_book_isbn_index', 'releases_book_title_key_index']));

      await db.migrate.down({ name: MIGRATION });
      expect(await db.schema.hasColumn('releases', 'book_isbn')).toBe(false);
      expect(await db.schema.hasColumn('releases', 'book_title_key')).toBe(false);
      expect((await indexNames(db, dialect, 'releases')).sort()).toEqual(indexesBefore);
      expect(await db('releases').count({ n: '*' })).toEqual([{ n: 514 }]);
    }));
});
