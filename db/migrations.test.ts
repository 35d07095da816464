import { createDatabase, migrateLatest } from './knex';
import { createTestEnv, TestEnv } from '../test/support/test-env';

const TABLES = ['users', 'refresh_tokens', 'uploads', 'releases', 'release_files', 'job_runs'];

describe.each(['sqlite', 'mysql'] as const)('migrations on %s', (dialect) => {
  let testEnv: TestEnv;
  beforeAll(async () => {
    testEnv = await createTestEnv({}, dialect);
  });
  afterAll(() => testEnv.cleanup());

  it('run up to the latest, down to nothing, and up again', async () => {
    const db = createDatabase(testEnv.config.database);
    try {
      expect(await migrateLatest(db)).toEqual(['001_users_and_tokens', '002_pipeline']);
      for (const table of TABLES) expect(await db.schema.hasTable(table)).toBe(true);
      expect(await migrateLatest(db)).toEqual([]);

      await db.migrate.down();
      expect(await db.schema.hasTable('releases')).toBe(false);
      expect(await db.schema.hasTable('users')).toBe(true);
      await db.migrate.down();
      for (const table of TABLES) expect(await db.schema.hasTable(table)).toBe(false);

      expect(await migrateLatest(db)).toHaveLength(2);
      await db('users').insert({ email: 'a@b.c', password_hash: 'x', role: 'admin', disabled: false, created_at: new Date(), updated_at: new Date() });
      await expect(
        db('users').insert({ email: 'a@b.c', password_hash: 'y', role: 'admin', disabled: false, created_at: new Date(), updated_at: new Date() }),
      ).rejects.toThrow();
      // Foreign keys are enforced on both dialects.
      await expect(
        db('refresh_tokens').insert({ id: 'x', user_id: 999, family_id: 'f', token_hash: 'h', expires_at: new Date(), created_at: new Date() }),
      ).rejects.toThrow();
    } finally {
      await db.destroy();
    }
  });
});
