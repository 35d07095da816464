import { createDatabase, migrateLatest } from '../knex';
import { outcome } from '../../test/support/statement-outcome';
import { createTestEnv, TestEnv } from '../../test/support/test-env';

/** Migration 007 up and down: one zip prefix per release, unique within the year, gone with the release. */
describe.each(['sqlite', 'mysql'] as const)('007_release_zip_prefixes on %s', (dialect) => {
  let testEnv: TestEnv;
  beforeAll(async () => {
    testEnv = await createTestEnv({}, dialect);
  });
  afterAll(() => testEnv.cleanup());

  it('refuses a second release with the same prefix in a year, follows its release, and goes down cleanly', async () => {
    const db = createDatabase(testEnv.config.database);
    try {
      await migrateLatest(db);
      expect(await db.schema.hasTable('release_zip_prefixes')).toBe(true);
      await db('users').insert({ id: 1, email: 'a@b.c', passwordHash: 'x', role: 'admin', disabled: false, createdAt: new Date(), updatedAt: new Date() });
      await db('uploads').insert({ id: 'u', userId: 1, originalName: 'b.epub', storedName: 'u', size: 1, sha256: 'a'.repeat(64), status: 'inspected', createdAt: new Date(), updatedAt: new Date() });
      const release = (id: string) => ({ id, uploadId: 'u', userId: 1, requestKey: id.padEnd(64, '0'), options: '{}', state: 'done', progress: 100, releaseDate: '2026-01-01', createdAt: new Date(), updatedAt: new Date() });
      await db('releases').insert([release('r1'), release('r2')]);

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
    } finally {
      await db.destroy();
    }
  });
});
