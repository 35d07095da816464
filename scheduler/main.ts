import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createRedis } from '../lib/redis';
import { redisExposure, startupLine } from '../lib/startup-line';
import { createDatabase } from '../db/knex';
import { bindModels } from '../db/models';
import { Scheduler } from './scheduler';

/** Scheduler process entry (one instance): maintenance, log rotation and the health watch. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = createDatabase(config.database);
  bindModels(db);
  const redis = createRedis(config, 'worker');
  redis.on('error', (err) => logger.warn('scheduler redis error', { error: err.message }));
  const scheduler = new Scheduler(config, logger, redis);
  scheduler.start();
  logger.info(startupLine(config, redisExposure(config, 'scheduler')));

  const stop = async (signal: string) => {
    logger.info('scheduler stopping', { signal });
    await scheduler.stop();
    redis.disconnect();
    await db.destroy();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
