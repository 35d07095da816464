import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import supertest from 'supertest';
import winston from 'winston';
import { AppOptions, buildApiContext, createApp } from '../../api/app';
import { answerClientErrors } from '../../api/client-errors';
import type { ApiContext } from '../../api/context';
import { hashPassword } from '../../lib/password';
import { createLogger } from '../../lib/logger';
import { createRedis, whenReady } from '../../lib/redis';
import { createDatabase, migrateLatest } from '../../db/knex';
import { bindModels, Group, User } from '../../db/models';
import { JobQueue } from '../../jobs/job-queue';
import { createTestEnv, TestEnv } from './test-env';

export const TEST_PASSWORD = 'correct horse battery staple';

/** One line of the app's log: its level, message and fields. */
export type LogEntry = { level: string; message: string } & Record<string, unknown>;

export interface TestApp extends TestEnv {
  context: ApiContext;
  server: Server;
  http: supertest.Agent;
  /** Every line the app logged, as written (JSON). */
  logLines: string[];
  /** The app's log lines, parsed; only those with this message when one is given. */
  logged(message?: string): LogEntry[];
  /**
   * A user with a role and a token; a member of the groups named (created when missing), by
   * default the group ESP most tests pack for.
   */
  createUser(role: string, email?: string, groups?: string[]): Promise<{ user: User; token: string }>;
  close(): Promise<void>;
}

/** The real app on a real port, with a real database (migrated), Redis and queues. */
export async function startTestApp(overrides: NodeJS.ProcessEnv = {}, options: { migrate?: boolean; app?: AppOptions } = {}): Promise<TestApp> {
  const testEnv = await createTestEnv(overrides);
  const { config } = testEnv;
  const logLines: string[] = [];
  const capture = new winston.transports.Stream({
    stream: new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  const logger = createLogger(config, { transports: [capture] });
  const db = createDatabase(config.database);
  if (options.migrate !== false) await migrateLatest(db);
  bindModels(db);
  const redis = createRedis(config, 'producer');
  redis.on('error', () => {});
  await whenReady(redis, 1000).catch(() => undefined);
  const queue = new JobQueue(config, redis, logger);
  const context = buildApiContext({ config, logger, db, redis, queue });
  const server = answerClientErrors(createApp(context, options.app).listen(0, '127.0.0.1'));
  await new Promise((resolve) => server.once('listening', resolve));
  let users = 0;
  return {
    ...testEnv,
    context,
    server,
    http: supertest.agent(server),
    logLines,
    logged(message) {
      const entries = logLines.map((line) => JSON.parse(line) as LogEntry);
      return message === undefined ? entries : entries.filter((entry) => entry.message === message);
    },
    async createUser(role, email = `${role}${++users}@example.test`, groups = ['ESP']) {
      const user = await User.query().insertAndFetch({ email, passwordHash: await hashPassword(TEST_PASSWORD, 4), role, disabled: false });
      for (const tag of groups) {
        const group = (await Group.query().findOne({ tag })) ?? (await Group.query().insertAndFetch({ tag, name: `Group ${tag}` }));
        await Group.relatedQuery('members').for(group.id).relate(user.id);
      }
      return { user, token: context.services.auth.signAccessToken(user) };
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await queue.close();
      redis.disconnect();
      await db.destroy();
      logger.close();
      await testEnv.cleanup();
    },
  };
}
