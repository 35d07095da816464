import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createRedis } from '../lib/redis';
import { apiExposure, startupLine } from '../lib/startup-line';
import { createDatabase, migrateLatest } from '../db/knex';
import { bindModels } from '../db/models';
import { JobQueue } from '../jobs/job-queue';
import { startProcessMetrics } from '../jobs/process-metrics';
import { buildApiContext, createApp } from './app';
import { answerClientErrors } from './client-errors';

/** API process entry: config, connections, app, graceful stop. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = createDatabase(config.database);
  bindModels(db);
  if (process.env.MIGRATE_ON_START === 'true') await migrateLatest(db);
  const redis = createRedis(config, 'producer');
  redis.on('error', (err) => logger.warn('redis error', { error: err.message }));
  const queue = new JobQueue(config, redis, logger);
  const context = buildApiContext({ config, logger, db, redis, queue });
  const app = createApp(context);
  const metrics = await startProcessMetrics(config, logger, queue);
  const server = answerClientErrors(
    app.listen(config.http.port, config.http.host, () => {
      logger.info(startupLine(config, apiExposure(config)));
    }),
  );

  const stop = (signal: string) => {
    logger.info('api stopping', { signal });
    // Live event streams never end by themselves: end them so the server can close.
    void context.events.shutdown();
    metrics?.close();
    server.close(async () => {
      await queue.close();
      redis.disconnect();
      await db.destroy();
      process.exit(0);
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
