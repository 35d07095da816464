import { Job, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createRedis, Redis } from '../lib/redis';
import { withTimeout } from '../lib/timeout';
import type { JobDefinition, WorkerContext } from '../jobs/job-definition';
import { JobQueue } from '../jobs/job-queue';
import type { QueueName } from '../lib/domain/queue-names';
import { jobsByQueue } from '../jobs/registry';
import { recordFinalFailure, runJob } from '../jobs/run-job';

/**
 * One BullMQ Worker per configured queue, sharing one Redis connection that waits out Redis
 * restarts (maxRetriesPerRequest: null). Stalled jobs (a worker killed mid-job) are moved back
 * to wait by BullMQ once their lock expires, and run again here or in another process; a job
 * that stalls more than MAX_STALLED_COUNT times is failed by BullMQ without its processor, so
 * the pool listens for failures on the queue's event stream and records them (see onFailedEvent).
 */
/** A job whose worker died this many times is given up (and its release failed with a reason). */
export const MAX_STALLED_COUNT = 2;
/** How far back in a queue's event stream a starting worker looks for failures to record. */
const EVENT_REPLAY_MS = 10 * 60_000;

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly events: QueueEvents[] = [];
  private readonly connection: Redis;
  /** Jobs enqueue follow-up jobs (a packed release's distributions) through a producer connection. */
  private readonly producer: Redis;
  readonly queue: JobQueue;

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
        maxStalledCount: MAX_STALLED_COUNT,
      });
      worker.on('error', (err) => this.logger.warn('worker error', { queue: queueName, error: err.message }));
      worker.on('stalled', (jobId) => this.logger.warn('job stalled; it will run again', { queue: queueName, jobId }));
      this.workers.push(worker);
      // QueueEvents reads the event stream with a blocking command on a duplicate of the connection.
      // Reading starts a while back, so a failure from this process's own first stall check (or one
      // that happened while no worker listened) is heard too; recording it again changes nothing.
      const lastEventId = `${Date.now() - EVENT_REPLAY_MS}-0`;
      const events = new QueueEvents(queueName, { connection: this.connection, prefix: this.config.redis.prefix, lastEventId });
      events.on('error', (err) => this.logger.warn('queue events error', { queue: queueName, error: err.message }));
      events.on('failed', ({ jobId, failedReason }) => {
        this.onFailedEvent(queueName, jobId, failedReason, byName, context).catch((err: Error) =>
          this.logger.error('job failure not recorded; the reconciler will', { queue: queueName, jobId, error: err.message }),
        );
      });
      this.events.push(events);
      this.logger.info('worker started', { queue: queueName, concurrency: this.config.worker.concurrency[queueName] });
    }
  }

  /**
   * Every process listening on a queue hears each failure; recording it is idempotent (a release
   * already failed keeps its first reason), so whichever comes first wins and the rest change nothing.
   */
  private async onFailedEvent(queueName: QueueName, jobId: string, failedReason: string, byName: Map<string, JobDefinition<never>>, context: WorkerContext): Promise<void> {
    const job = await Job.fromId(this.queue.queue(queueName), jobId);
    const definition = job && byName.get(job.name);
    if (!job || !definition) return;
    await recordFinalFailure(definition as JobDefinition<unknown>, job, failedReason, context);
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
    await Promise.all(this.events.map((e) => e.close().catch(() => undefined)));
    await this.queue.close().catch(() => undefined);
    this.producer.disconnect();
    this.connection.disconnect();
  }
}
