import cron, { ScheduledTask } from 'node-cron';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { Redis } from '../lib/redis';
import { withLock } from './redis-lock';
import { HealthWatch } from './tasks/health-watch';
import { rotateLogs } from './tasks/log-rotation';
import { runMaintenance } from './tasks/maintenance';
import { reconcile } from './tasks/reconcile';
import { WatchFolders } from './tasks/watch-folders';
import { JobQueue } from '../jobs/job-queue';
import { saveReconcileReport } from '../jobs/reconcile-report';

const LOCK_TTL_MS = 15 * 60_000;
/** Faults are repaired within minutes; a run is cheap (a few queries and folder listings). */
export const RECONCILE_SCHEDULE = '*/5 * * * *';

/** The cron schedule of the product's housekeeping; every task runs under a Redis lock. */
export class Scheduler {
  private readonly tasks: ScheduledTask[] = [];
  readonly healthWatch: HealthWatch;
  readonly watchFolders: WatchFolders;
  /** The reconciler looks up job states through the producer side of the queues. */
  private readonly queue: JobQueue;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly redis: Redis,
  ) {
    const { scheduler } = config;
    this.healthWatch = new HealthWatch({
      healthUrl: scheduler.healthUrl,
      timeoutMs: 5000,
      failuresBeforeAlert: 2,
      webhookUrl: scheduler.alert.webhookUrl,
      format: scheduler.alert.format,
      pagerDutyRoutingKey: scheduler.alert.pagerDutyRoutingKey,
      logger,
    });
    this.queue = new JobQueue(config, redis, logger);
    this.watchFolders = new WatchFolders(config, logger, scheduler.watch, (task) => this.locked('watch-folders', task));
  }

  /** The tasks by name, each wrapped in its lock: cron calls these, and so can an operator. */
  readonly run = {
    maintenance: () =>
      this.locked('maintenance', async () => {
        const report = await runMaintenance(this.config);
        this.logger.info('maintenance done', { ...report });
        return report;
      }),
    logRotation: () =>
      this.locked('log-rotation', async () => {
        const report = await rotateLogs(this.config.log.file, this.config.scheduler.retention.logDays);
        this.logger.info('log rotation done', { compressed: report.compressed.length, deleted: report.deleted.length });
        return report;
      }),
    healthWatch: () => this.locked('health-watch', () => this.healthWatch.tick()),
    reconcile: (options?: { graceMs?: number }) =>
      this.locked('reconcile', async () => {
        const report = await reconcile(this.config, this.queue, this.redis, this.logger, options);
        await saveReconcileReport(this.redis, this.config, report);
        this.logger.info('reconcile done', { ...report });
        return report;
      }),
  };

  start(): void {
    const { schedules } = this.config.scheduler;
    const entries: [string, string, () => Promise<unknown>][] = [
      ['maintenance', schedules.maintenance, this.run.maintenance],
      ['log-rotation', schedules.logRotation, this.run.logRotation],
      ['health-watch', schedules.healthWatch, this.run.healthWatch],
      ['reconcile', RECONCILE_SCHEDULE, () => this.run.reconcile()],
    ];
    for (const [name, expression, task] of entries) {
      this.tasks.push(
        cron.schedule(expression, () => {
          task().catch((err: Error) => this.logger.error('scheduled task failed', { task: name, error: err.message }));
        }, { name, noOverlap: true }),
      );
      this.logger.info('scheduled', { task: name, cron: expression });
    }
    // Whatever a crash or outage left behind is repaired at start, not only at the next tick.
    this.run.reconcile().catch((err: Error) => this.logger.error('reconcile at start failed', { error: err.message }));
    this.watchFolders.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.stop()));
    await this.watchFolders.stop();
    await this.queue.close();
  }

  private async locked<T>(name: string, task: () => Promise<T>): Promise<T | undefined> {
    const result = await withLock(this.redis, `${this.config.redis.prefix}:lock:${name}`, LOCK_TTL_MS, task);
    if (result === undefined) this.logger.info('skipped: another run holds the lock', { task: name });
    return result;
  }
}
