import { outcome } from '../../test/support/statement-outcome';
import { describeOnBothDatabases, insertUploadOwner, releaseRow } from '../../test/support/both-databases';

/** Migration 004 on a database that already holds two releases sharing a name (the issue-11 data loss). */
describeOnBothDatabases('004_release_name_owner', (_dialect, withDb) => {
  it('keeps a shared name on the oldest row, fails the later ones, then refuses a second row with a name', () =>
    withDb(async (db) => {
      await db.migrate.up({ name: '001_users_and_tokens' });
      await db.migrate.up({ name: '002_pipeline' });
      await db.migrate.up({ name: '003_release_management' });
      const now = Date.now();
      await insertUploadOwner(db);
      const release = (id: string, name: string | null, ageMs: number) => releaseRow(id, { name, createdAt: new Date(now - ageMs) });
      await db('releases').insert([release('first', 'Same.Name-ESP', 3000), release('second', 'Same.Name-ESP', 2000), release('third', 'Same.Name-ESP', 1000), release('other', 'Other-ESP', 0), release('n1', null, 0), release('n2', null, 0)]);

      await db.migrate.up({ name: '004_release_name_owner' });
      const rows = await db('releases').orderBy('id').select('id', 'name', 'state', 'error');
      expect(rows.map((r) => [r.id, r.name, r.state])).toEqual([
        ['first', 'Same.Name-ESP', 'done'],
        ['n1', null, 'done'],
        ['n2', null, 'done'],
        ['other', 'Other-ESP', 'done'],
        ['second', null, 'failed'],
        ['third', null, 'failed'],
      ]);
      expect(rows.find((r) => r.id === 'second').error).toMatch(/same name/);
      expect(await outcome(db('releases').where({ id: 'n1' }).update({ name: 'Other-ESP' }))).toMatch(/unique|duplicate/i);

      await db.migrate.down({ name: '004_release_name_owner' });
      await db('releases').where({ id: 'n1' }).update({ name: 'Other-ESP' });
    }));
});
