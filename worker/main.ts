import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { redisExposure, startupLine } from '../lib/startup-line';
import { createDatabase } from '../db/knex';
import { bindModels } from '../db/models';
import { startProcessMetrics } from '../jobs/process-metrics';
import { WorkerPool } from './worker-pool';

/** Worker process entry: runs the queues named in WORKER_QUEUES until SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  const db = createDatabase(config.database);
  bindModels(db);
  const pool = new WorkerPool(config, logger);
  pool.start();
  const metrics = await startProcessMetrics(config, logger, pool.queue);
  logger.info(startupLine(config, redisExposure(config, `worker for ${config.worker.queues.join(',')}`)), { pid: process.pid });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('worker stopping', { signal });
    metrics?.close();
    await pool.close();
    await db.destroy();
    logger.info('worker stopped');
    logger.end();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
