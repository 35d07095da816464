import { migrateLatest } from '../knex';
import { indexNames } from '../../test/support/db-indexes';
import { describeOnBothDatabases } from '../../test/support/both-databases';

/** The release request's same-name check: the releases of an upload with this SHA-256, in a group. */
const SAME_NAME_CHECK = `SELECT releases.* FROM releases INNER JOIN uploads ON uploads.id = releases.upload_id WHERE uploads.sha256 = 'x' AND releases.group_id = 1 AND releases.state NOT IN ('failed', 'cancelled')`;

/** Migration 011 up and down: the indexes the release request's same-name check reads by. */
describeOnBothDatabases('011_release_upload_indexes', (dialect, withDb) => {
  it('indexes uploads by SHA-256 (and, on SQLite, releases by upload), and removes exactly that going down', () =>
    withDb(async (db) => {
      const releaseIndex = dialect === 'sqlite' ? ['releases_upload_id_index'] : [];
      await migrateLatest(db);
      expect(await indexNames(db, dialect, 'uploads')).toContain('uploads_sha256_index');
      expect(await indexNames(db, dialect, 'releases')).toEqual(expect.arrayContaining(releaseIndex));
      if (dialect === 'sqlite') {
        // Both tables searched through an index, no scan of the releases.
        const plan = ((await db.raw(`EXPLAIN QUERY PLAN ${SAME_NAME_CHECK}`)) as { detail: string }[]).map((p) => p.detail).join('\n');
        expect(plan).toMatch(/SEARCH uploads USING INDEX uploads_sha256_index/);
        expect(plan).toMatch(/SEARCH releases USING INDEX releases_upload_id_index/);
      }
      const releasesBefore = await indexNames(db, dialect, 'releases');
      await db.migrate.down({ name: '011_release_upload_indexes' });
      expect(await indexNames(db, dialect, 'uploads')).not.toContain('uploads_sha256_index');
      // Compared as sets: SQLite lists the newest index first, and later migrations add theirs.
      expect((await indexNames(db, dialect, 'releases')).sort()).toEqual(releasesBefore.filter((name) => !releaseIndex.includes(name)).sort());
      await db.migrate.up({ name: '011_release_upload_indexes' });
      expect(await indexNames(db, dialect, 'uploads')).toContain('uploads_sha256_index');
      expect((await indexNames(db, dialect, 'releases')).sort()).toEqual([...releasesBefore].sort());
    }));
});
