import type { Job } from 'bullmq';
import type { ZodType, ZodTypeDef } from 'zod';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import type { Redis } from '../lib/redis';
import type { JobQueue } from './job-queue';
import type { JobName, QueueName } from '../lib/domain/queue-names';

/** What every processor is given besides its job. */
export interface WorkerContext {
  config: Config;
  logger: Logger;
  /** The worker's Redis connection, for caches and rate limits shared across processes. */
  redis: Redis;
  /** For follow-up jobs. */
  queue: JobQueue;
}

/**
 * One job of the product: where it runs, what its payload looks like, what it does, and what to
 * record when it has failed for good. Producers import the payload type; the worker the rest.
 */
export interface JobDefinition<Payload> {
  queue: QueueName;
  name: JobName;
  payload: ZodType<Payload, ZodTypeDef, unknown>;
  process(job: Job<Payload>, data: Payload, context: WorkerContext): Promise<unknown>;
  /** Ids to file the run under in job_runs. */
  subject(data: Payload): { releaseId?: string; uploadId?: string };
  onFinalFailure?(data: Payload, reason: string, context: WorkerContext): Promise<void>;
}

export function defineJob<Payload>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition;
}
