import type { Server } from 'node:http';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { reportDisks, reportQueueCounts } from '../lib/metrics';
import { startMetricsServer } from '../lib/metrics-server';
import type { JobQueue } from './job-queue';

/**
 * The metrics every process serves besides its own counters: the queues' job counts and the
 * storage disks' fill, read at scrape time. Every process reports the same queue numbers, so
 * dashboards and alerts take their max per queue, never the sum.
 */
export function startProcessMetrics(config: Config, logger: Logger, queue: JobQueue): Promise<Server | undefined> {
  reportQueueCounts(() => queue.countsByQueue());
  reportDisks({ uploads: config.storage.uploadDir, releases: config.storage.releasesDir });
  return startMetricsServer(config, logger);
}
