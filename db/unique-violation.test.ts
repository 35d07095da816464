import { migrateLatest } from './knex';
import { isUniqueViolation } from './unique-violation';
import { describeOnBothDatabases } from '../test/support/both-databases';

/** What a refused write says, on both dialects: recognisable as a unique key, and never the values it tried to write. */
describeOnBothDatabases('refused writes', (_dialect, withDb) => {
  it('are told apart as unique-key refusals and name the statement without its values', () =>
    withDb(async (db) => {
      await migrateLatest(db);
      const user = { email: 'a@b.c', passwordHash: '$2b$12$a-hash-never-to-be-logged', role: 'admin', disabled: false, createdAt: new Date(), updatedAt: new Date() };
      await db('users').insert(user);
      const twice = await db('users').insert(user).catch((err: Error) => err);
      expect(isUniqueViolation(twice)).toBe(true);
      expect((twice as Error).message).toMatch(/^insert into `users` .* values \(\?, \?, \?, \?, \?, \?\) - /);
      expect((twice as Error).message).not.toContain('a-hash-never-to-be-logged');

      const orphan = await db('refresh_tokens').insert({ id: 'x', userId: 999, familyId: 'f', tokenHash: 'h', expiresAt: new Date(), createdAt: new Date() }).catch((err: Error) => err);
      expect((orphan as Error).message).toMatch(/foreign key/i);
      expect(isUniqueViolation(orphan)).toBe(false);
    }));
});
