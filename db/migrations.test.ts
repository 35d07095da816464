import { createDatabase, migrateLatest } from './knex';
import { createTestEnv, TestEnv } from '../test/support/test-env';

/** The error message a statement fails with, or 'succeeded'. */
async function outcome(statement: PromiseLike<unknown>): Promise<string> {
  try {
    const result = await statement;
    return `succeeded: ${JSON.stringify(result)}`;
  } catch (err) {
    return (err as Error).message;
  }
}

const TABLES = ['users', 'refresh_tokens', 'uploads', 'releases', 'release_files', 'job_runs'];
const MANAGEMENT_TABLES = ['roles', 'role_permissions', 'rules', 'nfo_templates', 'destinations', 'groups', 'group_members', 'group_destinations', 'release_distributions', 'settings'];
const ALL = ['001_users_and_tokens', '002_pipeline', '003_release_management'];

describe.each(['sqlite', 'mysql'] as const)('migrations on %s', (dialect) => {
  let testEnv: TestEnv;
  beforeAll(async () => {
    testEnv = await createTestEnv({}, dialect);
  });
  afterAll(() => testEnv.cleanup());

  it('run up to the latest, down to nothing, and up again', async () => {
    const db = createDatabase(testEnv.config.database);
    try {
      expect(await migrateLatest(db)).toEqual(ALL);
      for (const table of [...TABLES, ...MANAGEMENT_TABLES]) expect(await db.schema.hasTable(table)).toBe(true);
      expect(await db.schema.hasColumn('releases', 'group_id')).toBe(true);
      expect((await db('roles').orderBy('name').select('name')).map((r) => r.name)).toEqual(['admin', 'operator']);
      expect(await migrateLatest(db)).toEqual([]);

      await db.migrate.down();
      for (const table of MANAGEMENT_TABLES) expect(await db.schema.hasTable(table)).toBe(false);
      expect(await db.schema.hasColumn('releases', 'group_id')).toBe(false);
      await db.migrate.down();
      expect(await db.schema.hasTable('releases')).toBe(false);
      expect(await db.schema.hasTable('users')).toBe(true);
      await db.migrate.down();
      for (const table of TABLES) expect(await db.schema.hasTable(table)).toBe(false);

      expect(await migrateLatest(db)).toHaveLength(ALL.length);
      const user = { email: 'a@b.c', passwordHash: 'x', role: 'admin', disabled: false, createdAt: new Date(), updatedAt: new Date() };
      await db('users').insert(user);
      expect(await outcome(db('users').insert({ ...user, passwordHash: 'y' }))).toMatch(/unique|duplicate/i);
      // Foreign keys are enforced on both dialects.
      const orphan = { id: 'x', userId: 999, familyId: 'f', tokenHash: 'h', expiresAt: new Date(), createdAt: new Date() };
      expect(await outcome(db('refresh_tokens').insert(orphan))).toMatch(/foreign key/i);
    } finally {
      await db.destroy();
    }
  });
});
