import { Job, UnrecoverableError, Worker } from 'bullmq';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createRedis, Redis } from '../lib/redis';
import { withTimeout } from '../lib/timeout';
import type { WorkerContext } from '../jobs/job-definition';
import { JobQueue } from '../jobs/job-queue';
import type { QueueName } from '../lib/domain/queue-names';
import { jobsByQueue } from '../jobs/registry';
import { runJob } from '../jobs/run-job';

/**
 * One BullMQ Worker per configured queue, sharing one Redis connection that waits out Redis
 * restarts (maxRetriesPerRequest: null). Stalled jobs (a worker killed mid-job) are moved back
 * to wait by BullMQ once their lock expires, and run again here or in another process.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly connection: Redis;
  /** Jobs enqueue follow-up jobs (a packed release's distributions) through a producer connection. */
  private readonly producer: Redis;
  private readonly queue: JobQueue;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    this.connection = createRedis(config, 'worker');
    this.connection.on('error', (err) => logger.warn('worker redis error', { error: err.message }));
    this.producer = createRedis(config, 'producer');
    this.producer.on('error', (err) => logger.warn('worker producer redis error', { error: err.message }));
    this.queue = new JobQueue(config, this.producer, logger);
  }

  start(queues: QueueName[] = this.config.worker.queues): void {
    const definitions = jobsByQueue();
    const context: WorkerContext = { config: this.config, logger: this.logger, redis: this.connection, queue: this.queue };
    for (const queueName of queues) {
      const byName = definitions.get(queueName)!;
      const processor = async (job: Job) => {
        const definition = byName.get(job.name);
        if (!definition) throw new UnrecoverableError(`no processor for job ${job.name} on queue ${queueName}`);
        return runJob(definition, job, context);
      };
      const worker = new Worker(queueName, processor, {
        connection: this.connection,
        prefix: this.config.redis.prefix,
        concurrency: this.config.worker.concurrency[queueName],
        lockDuration: this.config.worker.lockDurationMs,
        stalledInterval: this.config.worker.stalledIntervalMs,
        maxStalledCount: 2,
      });
      worker.on('error', (err) => this.logger.warn('worker error', { queue: queueName, error: err.message }));
      worker.on('stalled', (jobId) => this.logger.warn('job stalled; it will run again', { queue: queueName, jobId }));
      this.workers.push(worker);
      this.logger.info('worker started', { queue: queueName, concurrency: this.config.worker.concurrency[queueName] });
    }
  }

  isRunning(): boolean {
    return this.workers.length > 0 && this.workers.every((w) => w.isRunning());
  }

  /**
   * Stops taking jobs, lets running ones finish up to the shutdown timeout, then closes. PM2's
   * kill_timeout is set above this timeout (ecosystem.config.js).
   */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.pause(true).catch(() => undefined)));
    try {
      await withTimeout(Promise.all(this.workers.map((w) => w.close())), this.config.worker.shutdownTimeoutMs, 'worker shutdown');
    } catch (err) {
      this.logger.warn('jobs still running at shutdown timeout; they will be retried as stalled', { error: (err as Error).message });
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
    await this.queue.close().catch(() => undefined);
    this.producer.disconnect();
    this.connection.disconnect();
  }
}
