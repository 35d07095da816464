import type { JobDefinition } from './job-definition';
import { distributeJob } from './distribute';
import { enrichJob } from './enrich';
import { inspectJob } from './inspect';
import { ALL_QUEUES, QueueName } from '../lib/domain/queue-names';
import { packJob } from './pack';
import { notifyJob } from './notify';

/** Every job the workers can run. */
export const JOBS: JobDefinition<never>[] = [inspectJob, enrichJob, packJob, distributeJob, notifyJob] as unknown as JobDefinition<never>[];

/**
 * Job definitions by queue and name. Fails at start-up if a name is defined twice.
 */
export function jobsByQueue(jobs = JOBS): Map<QueueName, Map<string, JobDefinition<never>>> {
  const byQueue = new Map(ALL_QUEUES.map((q) => [q, new Map<string, JobDefinition<never>>()]));
  for (const job of jobs) {
    const names = byQueue.get(job.queue)!;
    if (names.has(job.name)) throw new Error(`job ${job.queue}/${job.name} is defined twice`);
    names.set(job.name, job);
  }
  return byQueue;
}
