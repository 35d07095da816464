import { migrateLatest } from '../knex';
import { indexNames } from '../../test/support/db-indexes';
import { describeOnBothDatabases } from '../../test/support/both-databases';

const LIST_INDEXES = ['releases_created_at_id_index', 'releases_updated_at_id_index', 'releases_state_created_at_id_index'];

/** Migration 008 up and down: the indexes the release list sorts and filters by. */
describeOnBothDatabases('008_release_list_indexes', (dialect, withDb) => {
  it('adds the list indexes, and removes exactly them going down', () =>
    withDb(async (db) => {
      await migrateLatest(db);
      expect(await indexNames(db, dialect, 'releases')).toEqual(expect.arrayContaining(LIST_INDEXES));
      if (dialect === 'sqlite') {
        // A page of releases in a state, newest first: read through the index, no scan of the table.
        const plan = (await db.raw(`EXPLAIN QUERY PLAN SELECT * FROM releases WHERE state = 'done' ORDER BY created_at DESC LIMIT 20`)) as { detail: string }[];
        expect(plan.map((p) => p.detail).join('\n')).toMatch(/USING INDEX releases_state_created_at_id_index/);
      }
      await db.migrate.down({ name: '008_release_list_indexes' });
      const left = await indexNames(db, dialect, 'releases');
      for (const name of LIST_INDEXES) expect(left).not.toContain(name);
      await db.migrate.up({ name: '008_release_list_indexes' });
      expect(await indexNames(db, dialect, 'releases')).toEqual(expect.arrayContaining(LIST_INDEXES));
    }));
});
