import { randomBytes } from 'node:crypto';
import { loadConfig } from '../lib/config';
import { hashPassword } from '../lib/password';
import { createDatabase, migrateLatest } from './knex';
import { bindModels, User } from './models';

/**
 * Database tasks for operators (the plan's `flask db upgrade` and `seed_admin.py`):
 *   migrate:latest | migrate:down | migrate:rollback | migrate:status | seed:admin
 * seed:admin reads ADMIN_EMAIL (default admin@localhost) and ADMIN_PASSWORD; without a
 * password it generates one and prints it once.
 */
async function main(command: string | undefined): Promise<void> {
  const config = loadConfig();
  const db = createDatabase(config.database);
  try {
    switch (command) {
      case 'migrate:latest': {
        const applied = await migrateLatest(db);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'already up to date');
        break;
      }
      case 'migrate:down': {
        const [, undone] = await db.migrate.down();
        console.log(undone.length ? `undone: ${undone.join(', ')}` : 'nothing to undo');
        break;
      }
      case 'migrate:rollback': {
        const [, undone] = await db.migrate.rollback();
        console.log(undone.length ? `rolled back: ${undone.join(', ')}` : 'nothing to roll back');
        break;
      }
      case 'migrate:status': {
        const [done, pending] = await db.migrate.list();
        console.log(`applied: ${done.map((m: { name: string }) => m.name).join(', ') || 'none'}`);
        console.log(`pending: ${pending.map((m: { file: string }) => m.file).join(', ') || 'none'}`);
        break;
      }
      case 'seed:admin':
        await seedAdmin(config.auth.bcryptRounds, db);
        break;
      default:
        console.error('usage: node dist/db/cli.js migrate:latest|migrate:down|migrate:rollback|migrate:status|seed:admin');
        process.exitCode = 2;
    }
  } finally {
    await db.destroy();
  }
}

async function seedAdmin(rounds: number, db: ReturnType<typeof createDatabase>): Promise<void> {
  bindModels(db);
  const email = (process.env.ADMIN_EMAIL ?? 'admin@localhost').trim().toLowerCase();
  if (await User.query().findOne({ email })) {
    console.log(`admin ${email} already exists; nothing changed`);
    return;
  }
  const given = process.env.ADMIN_PASSWORD;
  const password = given ?? randomBytes(18).toString('base64url');
  if (password.length < 10) throw new Error('ADMIN_PASSWORD must be at least 10 characters');
  await User.query().insert({ email, passwordHash: await hashPassword(password, rounds), role: 'admin', disabled: false });
  console.log(`created admin ${email}`);
  // Printed once, on purpose: the operator has no other way to learn a generated password.
  if (!given) console.log(`generated password (shown once, change it after login): ${password}`);
}

main(process.argv[2]).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
