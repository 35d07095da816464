import type { Server } from 'node:http';
import { loadConfig } from '../lib/config';
import { listenFailure } from '../lib/listen-error';
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
  /** What the process holds besides its HTTP server, let go on a stop or a failed start alike. */
  const closeConnections = async () => {
    metrics?.close();
    await queue.close();
    redis.disconnect();
    await db.destroy();
  };
  let server: Server;
  try {
    // Express 5 hands a listen error to this callback instead of throwing or emitting it.
    server = await new Promise<Server>((resolve, reject) => {
      const listening = app.listen(config.http.port, config.http.host, (err?: Error) => (err ? reject(err) : resolve(listening)));
    });
  } catch (err) {
    // Nothing would be served: say why and exit non-zero, so PM2 or systemd and the operator see it.
    logger.error(listenFailure('API', config.http.host, config.http.port, err as NodeJS.ErrnoException));
    process.exitCode = 1;
    await closeConnections().catch(() => undefined);
    logger.end();
    setTimeout(() => process.exit(1), 500);
    return;
  }
  answerClientErrors(server);
  logger.info(startupLine(config, apiExposure(config)));

  const stop = (signal: string) => {
    logger.info('api stopping', { signal });
    // Live event streams never end by themselves: end them so the server can close.
    void context.events.shutdown();
    server.close(async () => {
      await closeConnections();
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
