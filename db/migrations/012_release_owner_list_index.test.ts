import { migrateLatest } from '../knex';
import { indexNames } from '../../test/support/db-indexes';
import { describeOnBothDatabases } from '../../test/support/both-databases';

/** A user's own release list, newest first, as GET /api/releases reads it: the page and its total. */
const OWN_PAGE = 'SELECT releases.* FROM releases WHERE releases.user_id = 7 ORDER BY releases.created_at DESC, releases.id ASC LIMIT 20';
const OWN_TOTAL = 'SELECT count(*) AS count FROM (SELECT releases.* FROM releases WHERE releases.user_id = 7) AS temp';

/** Migration 012 up and down: the index a user's own release list reads by (SQLite; MySQL has its foreign key's). */
describeOnBothDatabases('012_release_owner_list_index', (dialect, withDb) => {
  it('indexes releases by owner and age on SQLite, and removes exactly that going down', () =>
    withDb(async (db) => {
      const added = dialect === 'sqlite' ? ['releases_user_id_created_at_id_index'] : [];
      const before = async () => {
        await db.migrate.down({ name: '012_release_owner_list_index' });
        return (await indexNames(db, dialect, 'releases')).sort();
      };
      await migrateLatest(db);
      const withIndex = await indexNames(db, dialect, 'releases');
      expect(withIndex).toEqual(expect.arrayContaining(added));
      if (dialect === 'sqlite') {
        for (const sql of [OWN_PAGE, OWN_TOTAL]) {
          const plan = ((await db.raw(`EXPLAIN QUERY PLAN ${sql}`)) as { detail: string }[]).map((p) => p.detail).join('\n');
          expect(plan).toMatch(/SEARCH releases USING (COVERING )?INDEX releases_user_id_created_at_id_index \(user_id=\?\)/);
        }
      }
      // Compared as sets: SQLite lists the newest index first.
      expect(await before()).toEqual(withIndex.filter((name) => !added.includes(name)).sort());
      await db.migrate.up({ name: '012_release_owner_list_index' });
      expect((await indexNames(db, dialect, 'releases')).sort()).toEqual([...withIndex].sort());
    }));
});
