import fs from 'node:fs';
import path from 'node:path';
import { Database, migrateLatest } from './knex';
import { outcome } from '../test/support/statement-outcome';
import { describeOnBothDatabases } from '../test/support/both-databases';

const TABLES = ['users', 'refresh_tokens', 'uploads', 'releases', 'release_files', 'job_runs'];
const MANAGEMENT_TABLES = ['roles', 'role_permissions', 'rules', 'nfo_templates', 'destinations', 'groups', 'group_members', 'group_destinations', 'release_distributions', 'settings'];
/** Every migration file on disk, in order: each must be listed in db/migrations/index.ts. */
const ON_DISK = fs
  .readdirSync(path.join(__dirname, 'migrations'))
  .filter((file) => /^\d{3}_.+\.ts$/.test(file) && !file.endsWith('.test.ts'))
  .map((file) => file.replace(/\.ts$/, ''))
  .sort();

/** Every table but knex's own with its columns, to compare a schema before and after a down/up round trip. */
async function schemaOf(db: Database): Promise<Record<string, string[]>> {
  const rows: { name: string }[] =
    db.client.config.client === 'mysql2'
      ? (await db.raw('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE()'))[0]
      : await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  const schema: Record<string, string[]> = {};
  for (const { name } of rows.filter((row) => !row.name.startsWith('knex_'))) {
    schema[name] = Object.keys(await db(name).columnInfo()).sort();
  }
  return schema;
}

describeOnBothDatabases('migrations', (_dialect, withDb) => {
  it('run up to the latest, down one at a time to nothing, and up again to the same schema', () =>
    withDb(async (db) => {
      expect(ON_DISK.length).toBeGreaterThanOrEqual(7);
      expect(await migrateLatest(db)).toEqual(ON_DISK);
      for (const table of [...TABLES, ...MANAGEMENT_TABLES]) expect(await db.schema.hasTable(table)).toBe(true);
      expect((await db('roles').orderBy('name').select('name')).map((r) => r.name)).toEqual(['admin', 'operator']);
      expect(await migrateLatest(db)).toEqual([]);
      const latest = await schemaOf(db);

      // Each down undoes exactly one migration, newest first.
      for (let done = ON_DISK.length; done > 0; done--) {
        const [completed] = await db.migrate.list();
        expect(completed.map((m: { name: string }) => m.name)).toEqual(ON_DISK.slice(0, done));
        await db.migrate.down();
        if (ON_DISK[done - 1] === '003_release_management') {
          for (const table of MANAGEMENT_TABLES) expect(await db.schema.hasTable(table)).toBe(false);
          expect(await db.schema.hasColumn('releases', 'group_id')).toBe(false);
        }
      }
      expect(await schemaOf(db)).toEqual({});

      expect(await migrateLatest(db)).toEqual(ON_DISK);
      expect(await schemaOf(db)).toEqual(latest);
      const user = { email: 'a@b.c', passwordHash: 'x', role: 'admin', disabled: false, createdAt: new Date(), updatedAt: new Date() };
      await db('users').insert(user);
      expect(await outcome(db('users').insert({ ...user, passwordHash: 'y' }))).toMatch(/unique|duplicate/i);
      // Foreign keys are enforced on both dialects.
      const orphan = { id: 'x', userId: 999, familyId: 'f', tokenHash: 'h', expiresAt: new Date(), createdAt: new Date() };
      expect(await outcome(db('refresh_tokens').insert(orphan))).toMatch(/foreign key/i);
    }));
});
