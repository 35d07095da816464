import { migrateLatest } from '../knex';
import { outcome } from '../../test/support/statement-outcome';
import { describeOnBothDatabases, insertUploadOwner, releaseRow } from '../../test/support/both-databases';

/** Migration 007 up and down: one zip prefix per release, unique within the year, gone with the release. */
describeOnBothDatabases('007_release_zip_prefixes', (_dialect, withDb) => {
  it('refuses a second release with the same prefix in a year, follows its release, and goes down cleanly', () =>
    withDb(async (db) => {
      await migrateLatest(db);
      expect(await db.schema.hasTable('release_zip_prefixes')).toBe(true);
      await insertUploadOwner(db);
      await db('releases').insert([releaseRow('r1'), releaseRow('r2')]);

      await db('release_zip_prefixes').insert({ releaseId: 'r1', year: 2026, prefix: 'esawo1' });
      expect(await outcome(db('release_zip_prefixes').insert({ releaseId: 'r2', year: 2026, prefix: 'esawo1' }))).toMatch(/unique|duplicate/i);
      expect(await outcome(db('release_zip_prefixes').insert({ releaseId: 'r1', year: 2026, prefix: 'esa011' }))).toMatch(/unique|duplicate|primary/i);
      expect(await outcome(db('release_zip_prefixes').insert({ releaseId: 'nope', year: 2026, prefix: 'esa011' }))).toMatch(/foreign key/i);
      await db('release_zip_prefixes').insert({ releaseId: 'r2', year: 2027, prefix: 'esawo1' });

      await db('releases').where({ id: 'r1' }).delete();
      expect(await db('release_zip_prefixes').orderBy('releaseId').select('releaseId', 'year', 'prefix')).toEqual([{ releaseId: 'r2', year: 2027, prefix: 'esawo1' }]);

      await db.migrate.down({ name: '007_release_zip_prefixes' });
      expect(await db.schema.hasTable('release_zip_prefixes')).toBe(false);
      expect(await db.schema.hasTable('releases')).toBe(true);
      await db.migrate.up({ name: '007_release_zip_prefixes' });
      expect(await db('release_zip_prefixes').count({ n: '*' })).toEqual([{ n: 0 }]);
    }));
});
