import { Config, loadConfig } from '../lib/config';
import { firstRunBanner } from '../lib/first-run-banner';
import { createLogger } from '../lib/logger';
import { createRedis } from '../lib/redis';
import { TokenDenylist } from '../lib/token-denylist';
import { createDatabase, migrateLatest, schemaStatus } from './knex';
import { bindModels } from './models';
import { formatStory, releaseStory } from './release-story';
import { seedFirstRun } from './seed';
import { resetPasswordOffline } from './seed-reset-password';

const USAGE = 'usage: node dist/db/cli.js migrate:latest|migrate:down|migrate:rollback --all|migrate:status|seed|reset-password <email>|story <releaseId>|banner';

/**
 * Tasks for operators, all working without the API (the plan's `flask db upgrade` and `seed_admin.py`):
 *   migrate:latest | migrate:down (undo the latest one) | migrate:rollback --all | migrate:status
 *     (migrate:rollback undoes knex's whole last batch: every migration on a fresh install; it
 *     refuses without --all, so one step back is always migrate:down)
 *   seed (alias seed:admin): the first admin (ADMIN_EMAIL, ADMIN_PASSWORD or a generated password
 *     written to DATA_DIR/admin-password.txt) and the default group (DEFAULT_GROUP)
 *   reset-password <email>: a new generated password, printed once (`npm run admin -- reset-password <email>`)
 *   story <releaseId>: the release's job attempts and every log line about it, in time order (`npm run story -- <id>`)
 *   banner: waits until /health answers ok, then prints where everything is (used by `npm start`)
 */
async function main(command: string | undefined, args: string[]): Promise<void> {
  const config = loadConfig();
  if (command === 'banner') return printBannerWhenReady(config);
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
        // knex's rollback undoes the whole last batch: on a fresh install that is every table.
        if (!args.includes('--all')) {
          throw new UsageError(
            'migrate:rollback undoes the whole last batch of migrations (every one on a fresh install) and refuses without --all; to undo the latest migration only: node dist/db/cli.js migrate:down',
          );
        }
        const [, undone] = await db.migrate.rollback();
        console.log(undone.length ? `rolled back: ${undone.join(', ')}` : 'nothing to roll back');
        break;
      }
      case 'migrate:status': {
        // Read only: knex's migrate.list() would create the migrations table on an empty database.
        const status = await schemaStatus(db);
        if (!status.migrationsTable) console.log('no migrations table: the database was never migrated (npm run migrate)');
        console.log(`applied: ${status.applied.join(', ') || 'none'}`);
        console.log(`pending: ${status.pending.join(', ') || 'none'}`);
        if (status.unknown.length) console.log(`unknown to this code (applied by a newer release): ${status.unknown.join(', ')}`);
        break;
      }
      case 'seed':
      case 'seed:admin':
        bindModels(db);
        for (const line of await seedFirstRun(config, process.env.ADMIN_PASSWORD || undefined)) console.log(line);
        break;
      case 'reset-password': {
        if (!args[0]) throw new UsageError('usage: npm run admin -- reset-password <email>');
        bindModels(db);
        // Without the API, and Redis perhaps down too: a connection that fails fast.
        const redis = createRedis(config, 'producer', { lazyConnect: true, retryStrategy: () => null });
        // A refused connection is answered below (the access tokens are then said to live on), not as an unhandled event.
        redis.on('error', () => undefined);
        try {
          await redis.connect().catch(() => undefined);
          const denylist = new TokenDenylist(config, redis, createLogger(config));
          const { password, wasDisabled, accessTokensEnded } = await resetPasswordOffline(config, args[0], denylist);
          console.log(`new password for ${args[0]} (shown once; change it after login): ${password}`);
          if (wasDisabled) console.log('the account was disabled; it is enabled again');
          console.log(
            accessTokensEnded
              ? 'its logins are ended: refresh tokens revoked, access tokens refused from now on'
              : 'its refresh tokens are revoked; Redis was unreachable, so access tokens already issued live until they expire',
          );
        } finally {
          redis.disconnect();
        }
        break;
      }
      case 'story': {
        if (!args[0]) throw new UsageError('usage: npm run story -- <releaseId>');
        bindModels(db);
        const story = await releaseStory(config, args[0]);
        if (!story) throw new Error(`release ${args[0]} not found`);
        console.log(formatStory(story));
        break;
      }
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

const BANNER_WAIT_MS = Number(process.env.START_TIMEOUT_SECONDS || 180) * 1000;

async function printBannerWhenReady(config: Config): Promise<void> {
  const deadline = Date.now() + BANNER_WAIT_MS;
  // Started beside PM2 by start.sh: once PM2 has exited (this process is handed to another
  // parent), there is nothing left to announce.
  const parent = process.ppid;
  let last = 'no answer yet';
  while (Date.now() < deadline && process.ppid === parent) {
    try {
      const res = await fetch(config.scheduler.healthUrl, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { status?: string };
      if (body.status === 'ok') {
        console.log(firstRunBanner(config, process.env.PM2_LOG_DIR || 'data/logs', await servesWebApp(config.scheduler.healthUrl)));
        return;
      }
      last = `status ${body.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (process.ppid !== parent) return;
  throw new Error(`not ready after ${BANNER_WAIT_MS / 1000} s (${config.scheduler.healthUrl}: ${last}); see the logs above and in data/logs`);
}

/** Whether the API answers its root with the web app's page (it serves one only once `npm run build` has built it). */
async function servesWebApp(healthUrl: string): Promise<boolean> {
  const res = await fetch(new URL('/', healthUrl), { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  await res?.body?.cancel();
  return res?.status === 200;
}

main(process.argv[2], process.argv.slice(3)).catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
