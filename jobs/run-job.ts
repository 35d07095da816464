import { Job, UnrecoverableError } from 'bullmq';
import { JobRun } from '../db/models';
import { jobAttempts, jobDuration } from '../lib/metrics';
import { runWithContext } from '../lib/request-context';
import type { JobDefinition, WorkerContext } from './job-definition';
import { announceJobOutcome } from './notify/release-events';

/** What a job_runs row left `active` by a worker that died says once it is closed. */
export const WORKER_LOST = 'the worker running this attempt stopped before it finished (killed, crashed or out of memory)';

/** BullMQ's reason for a job that stalled more often than maxStalledCount, and ours for people. */
const STALLED_REASON = /stalled more than allowable limit/i;
export const STALLED_TOO_OFTEN = 'the worker running it stopped (killed, crashed or out of memory) again and again, so it was given up';

/**
 * Runs one job: validates its payload (bad data fails at once, without retries), records the
 * attempt in job_runs and the metrics, and when the job has failed for good lets its definition
 * record why. Every log line of the attempt names the job, its release and the request that
 * started it; a release event it amounts to is announced to the webhooks.
 */
export async function runJob(definition: JobDefinition<unknown>, job: Job, context: WorkerContext): Promise<unknown> {
  const { requestId, payload } = splitJobData(job.data);
  const parsed = definition.payload.safeParse(payload);
  const subject = parsed.success ? definition.subject(parsed.data) : {};
  return runWithContext({ requestId, jobId: job.id, queue: job.queueName, releaseId: subject.releaseId }, async () => {
    if (!parsed.success) throw new UnrecoverableError(`invalid payload: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    const data = parsed.data;
    // BullMQ runs a job in one worker at a time, so an earlier run still `active` is from a worker that
    // died. Only a job started before (a retry, or a rerun after a stall: BullMQ counts every start)
    // can have one; a first start skips the look.
    if (job.attemptsStarted !== 1) await closeLostRuns(job.queueName, job.id ?? '');
    // A plain insert: the row's id comes back with it, and nothing else needs reading.
    const run = await JobRun.query().insert({
      queue: job.queueName,
      jobId: job.id ?? '',
      jobName: job.name,
      attempt: job.attemptsMade + 1,
      releaseId: subject.releaseId ?? null,
      uploadId: subject.uploadId ?? null,
      state: 'active',
      startedAt: new Date(),
    });
    context.logger.info('job started', { name: job.name, attempt: job.attemptsMade + 1 });
    const labels = { queue: job.queueName, name: job.name };
    const stopTimer = jobDuration.startTimer(labels);
    try {
      const result = await definition.process(job, data, context);
      await run.$query().patch({ state: 'completed', finishedAt: new Date() });
      stopTimer({ outcome: 'completed' });
      jobAttempts.inc({ ...labels, outcome: 'completed' });
      context.logger.info('job completed', { name: job.name, attempt: job.attemptsMade + 1 });
      await announceJobOutcome({ jobName: job.name, outcome: 'completed', data: data as object, jobTimestamp: job.timestamp }, context.queue, context.logger);
      return result;
    } catch (err) {
      stopTimer({ outcome: 'failed' });
      jobAttempts.inc({ ...labels, outcome: 'failed' });
      const reason = err instanceof Error ? err.message : String(err);
      await run.$query().patch({ state: 'failed', error: reason, finishedAt: new Date() });
      const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      context.logger.warn('job failed', { name: job.name, attempt: job.attemptsMade + 1, final, reason });
      if (final) {
        await definition.onFinalFailure?.(data, reason, context);
        await announceJobOutcome({ jobName: job.name, outcome: 'failed', data: data as object, jobTimestamp: job.timestamp }, context.queue, context.logger);
      }
      throw err;
    }
  });
}

/** A job's data: its payload, plus the id of the request that started it (jobs/job-queue.ts adds it). */
export function splitJobData(data: unknown): { requestId?: string; payload: unknown } {
  if (!data || typeof data !== 'object' || !('requestId' in data)) return { payload: data };
  const { requestId, ...payload } = data as { requestId?: unknown };
  return { requestId: typeof requestId === 'string' ? requestId : undefined, payload };
}

/**
 * A job BullMQ failed without running its processor's failure path: it stalled more than
 * maxStalledCount times (a crash loop, OOM, SIGKILL), or it failed while its worker was gone.
 * Closes its lost runs and lets its definition record the failure (which is idempotent, so a
 * failure the processor already recorded keeps its first reason).
 */
export async function recordFinalFailure(definition: JobDefinition<unknown>, job: Pick<Job, 'id' | 'queueName' | 'data' | 'name' | 'timestamp'>, failedReason: string, context: WorkerContext): Promise<void> {
  const reason = readableFailure(failedReason);
  await closeLostRuns(job.queueName, job.id ?? '', reason);
  const { requestId, payload } = splitJobData(job.data);
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) return;
  const data = parsed.data;
  await runWithContext({ requestId, jobId: job.id, queue: job.queueName, releaseId: definition.subject(data).releaseId }, async () => {
    await definition.onFinalFailure?.(data, reason, context);
    await announceJobOutcome({ jobName: job.name, outcome: 'failed', data: data as object, jobTimestamp: job.timestamp }, context.queue, context.logger);
  });
}

/** BullMQ's failure reason, with its wording for a job given up after stalling put for people. */
export function readableFailure(failedReason: string): string {
  return STALLED_REASON.test(failedReason) ? STALLED_TOO_OFTEN : failedReason;
}

/** Closes the runs of a job left `active` (their worker is gone); returns how many. */
export async function closeLostRuns(queue: string, jobId: string, reason = WORKER_LOST): Promise<number> {
  return JobRun.query().patch({ state: 'failed', error: reason, finishedAt: new Date() }).where({ queue, jobId, state: 'active' });
}
