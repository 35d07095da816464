import { setTimeout as delay } from 'node:timers/promises';
import { FlowProducer, Job, JobsOptions, Queue } from 'bullmq';
import type { Config } from '../lib/config';
import { ConflictError, ServiceUnavailableError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { Redis, whenReady } from '../lib/redis';
import { currentContext } from '../lib/request-context';
import { ALL_QUEUES, JobName, QueueName } from '../lib/domain/queue-names';

/** Retries and retention per queue: enough history to debug, bounded so Redis memory stays flat. */
const DEFAULT_JOB_OPTIONS: Record<QueueName, JobsOptions> = {
  [QueueName.Upload]: { attempts: 3, backoff: { type: 'exponential', delay: 2000 } },
  [QueueName.Enrich]: { attempts: 5, backoff: { type: 'exponential', delay: 5000 } },
  [QueueName.Pack]: { attempts: 3, backoff: { type: 'exponential', delay: 5000 } },
  // Transfers are retried longer: remote servers drop and come back.
  [QueueName.Distribute]: { attempts: 6, backoff: { type: 'exponential', delay: 3000 } },
  // A webhook receiver that is down for a few minutes still gets the event.
  [QueueName.Notify]: { attempts: 6, backoff: { type: 'exponential', delay: 2000 } },
};
/** How long sending again waits for the release's previous delivery job to finish ending. */
const ENDING_JOB_WAIT_MS = 3000;
const RETENTION: JobsOptions = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 5000 },
};

export const jobIds = {
  uploadInspection: (uploadId: string) => `inspect-upload-${uploadId}`,
  releaseStep: (step: JobName, releaseId: string) => `${step}-${releaseId}`,
  distribution: (releaseId: string, destinationId: number) => `distribute-${releaseId}-${destinationId}`,
  /** One per event, subject and webhook: an event reported twice (a rerun) is sent once. */
  notification: (event: string, subjectId: string, webhookId: number) => `notify-${event}-${subjectId}-${webhookId}`,
};

/**
 * Every job's data carries the id of the request that started it (the API's, passed on from job
 * to job through the worker's context), so each log line of a release's jobs can name it.
 */
function withRequestId<T extends object>(data: T): T & { requestId?: string } {
  const requestId = currentContext()?.requestId;
  return requestId ? { ...data, requestId } : data;
}

export interface JobView {
  id: string;
  queue: QueueName;
  name: string;
  state: string;
  progress: unknown;
  attemptsMade: number;
  failedReason?: string;
  data: unknown;
  returnValue: unknown;
  timestamps: { created: number; processed?: number; finished?: number };
}

/**
 * The producer side of BullMQ: every enqueue of the product goes through here. Redis being
 * unreachable becomes a 503 at once (the producer connection has no offline queue).
 */
export class JobQueue {
  private readonly queues: Map<QueueName, Queue>;
  private readonly flows: FlowProducer;

  constructor(
    config: Config,
    private readonly connection: Redis,
    logger: Logger,
  ) {
    const prefix = config.redis.prefix;
    this.queues = new Map(
      ALL_QUEUES.map((name) => {
        const queue = new Queue(name, { connection, prefix, defaultJobOptions: { ...DEFAULT_JOB_OPTIONS[name], ...RETENTION } });
        queue.on('error', (err) => logger.warn('queue connection error', { queue: name, error: err.message }));
        return [name, queue];
      }),
    );
    this.flows = new FlowProducer({ connection, prefix });
    this.flows.on('error', (err) => logger.warn('flow producer error', { error: err.message }));
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  enqueueInspection(uploadId: string): Promise<Job> {
    return this.unavailableAs503(() =>
      this.queue(QueueName.Upload).add(JobName.Inspect, withRequestId({ uploadId }), { jobId: jobIds.uploadInspection(uploadId) }),
    );
  }

  /**
   * One job per destination. The job id is fixed per release and destination, so enqueueing again
   * (a pack job rerun) adds nothing while the earlier one is kept; sending again calls
   * clearDistribution first.
   */
  async enqueueDistribution(releaseId: string, destinationId: number): Promise<void> {
    const jobId = jobIds.distribution(releaseId, destinationId);
    await this.unavailableAs503(() => this.queue(QueueName.Distribute).add(JobName.Distribute, withRequestId({ releaseId, destinationId }), { jobId }));
  }

  /**
   * Makes way for sending a release to a destination again: a finished job is removed (so its id
   * can be added anew) and a retry waiting out its backoff is run now. A job still active is waited
   * for briefly: its processor records the final failure in the database just before BullMQ moves
   * the job to failed, so a user can ask again in between. One still active after that is busy.
   */
  async clearDistribution(releaseId: string, destinationId: number): Promise<void> {
    await this.unavailableAs503(async () => {
      const previous = await this.queue(QueueName.Distribute).getJob(jobIds.distribution(releaseId, destinationId));
      if (!previous) return;
      const deadline = Date.now() + ENDING_JOB_WAIT_MS;
      let state = await previous.getState();
      while (state === 'active' && Date.now() < deadline) {
        await delay(50);
        state = await previous.getState();
      }
      if (state === 'active') throw new ConflictError('The release is being sent there right now', 'RELEASE_BUSY');
      if (state === 'completed' || state === 'failed') await previous.remove();
      if (state === 'delayed') await previous.promote();
    });
  }

  /**
   * inspect -> enrich as one flow (a failing inspection fails the enrichment). A release whose
   * upload is inspected already (`uploadInspected`: the stored inspection is all the inspect job
   * would return) starts at enrich, a single job with the same id. The enrich job then either
   * holds the release in review or enqueues its pack job (enqueuePack); approving a release in
   * review enqueues that same job.
   */
  async startReleaseFlow(releaseId: string, { uploadInspected }: { uploadInspected: boolean }): Promise<void> {
    const data = withRequestId({ releaseId });
    if (uploadInspected) {
      await this.unavailableAs503(() => this.queue(QueueName.Enrich).add(JobName.Enrich, data, { jobId: jobIds.releaseStep(JobName.Enrich, releaseId) }));
      return;
    }
    const step = (queueName: QueueName, name: JobName) => ({
      name,
      queueName,
      data,
      opts: { jobId: jobIds.releaseStep(name, releaseId), failParentOnFailure: true, ...DEFAULT_JOB_OPTIONS[queueName], ...RETENTION },
    });
    await this.unavailableAs503(() => this.flows.add({ ...step(QueueName.Enrich, JobName.Enrich), children: [step(QueueName.Upload, JobName.Inspect)] }));
  }

  /** The pack step of a release; one job id per release, so enqueueing twice packs once. */
  async enqueuePack(releaseId: string): Promise<void> {
    await this.unavailableAs503(() => this.queue(QueueName.Pack).add(JobName.Pack, withRequestId({ releaseId }), { jobId: jobIds.releaseStep(JobName.Pack, releaseId) }));
  }

  /** One webhook call for one event; the payload is built once, so every retry sends the same body. */
  async enqueueNotification(webhookId: number, event: string, subjectId: string, payload: Record<string, unknown>): Promise<void> {
    const jobId = jobIds.notification(event, subjectId, webhookId);
    await this.unavailableAs503(() => this.queue(QueueName.Notify).add(JobName.Notify, withRequestId({ webhookId, event, payload }), { jobId }));
  }

  /**
   * Removes a release's flow if no step has started; returns false when one is running or done.
   */
  async cancelReleaseFlow(releaseId: string): Promise<boolean> {
    return this.unavailableAs503(async () => {
      const enrich = await this.queue(QueueName.Enrich).getJob(jobIds.releaseStep(JobName.Enrich, releaseId));
      if (!enrich) return true;
      // The flow's first step: its inspect job, or the enrich job itself when it started at enrich.
      const inspect = await this.queue(QueueName.Upload).getJob(jobIds.releaseStep(JobName.Inspect, releaseId));
      const firstState = await (inspect ?? enrich).getState();
      if (!['waiting', 'waiting-children', 'delayed', 'prioritized', 'unknown'].includes(firstState)) return false;
      await enrich.remove({ removeChildren: true });
      return true;
    });
  }

  async getJobView(queueName: QueueName, id: string): Promise<JobView | undefined> {
    return this.unavailableAs503(async () => {
      // The state first, then the job: a job that finishes between the two reads shows its old
      // state with its new fields, never "completed" with the attempts and times of before.
      const queue = this.queue(queueName);
      const state = await queue.getJobState(id);
      const job = await queue.getJob(id);
      if (!job) return undefined;
      return {
        id: job.id!,
        queue: queueName,
        name: job.name,
        state,
        progress: job.progress,
        attemptsMade: job.attemptsMade,
        failedReason: job.failedReason || undefined,
        data: job.data,
        returnValue: job.returnvalue,
        timestamps: { created: job.timestamp, processed: job.processedOn, finished: job.finishedOn },
      };
    });
  }

  async workerCounts(): Promise<Record<string, number>> {
    const counts = await Promise.all(ALL_QUEUES.map(async (name) => [name, (await this.queue(name).getWorkers()).length] as const));
    return Object.fromEntries(counts);
  }

  /** Jobs per state of every queue (the metrics' queue gauges). */
  async countsByQueue(): Promise<Record<string, Record<string, number>>> {
    const counts = await Promise.all(ALL_QUEUES.map(async (name) => [name, await this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')] as const));
    return Object.fromEntries(counts);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    await this.flows.close();
  }

  private async unavailableAs503<T>(action: () => Promise<T>): Promise<T> {
    try {
      await whenReady(this.connection, 2000);
      return await action();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/not ready|enableOfflineQueue|Connection is closed|ECONNREFUSED|max retries|Stream isn't writeable/i.test(message)) {
        throw new ServiceUnavailableError('The job queue is unavailable right now; try again shortly');
      }
      throw err;
    }
  }
}
