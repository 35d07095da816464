import { Job, UnrecoverableError } from 'bullmq';
import { JobRun } from '../db/models';
import { runWithContext } from '../lib/request-context';
import type { JobDefinition, WorkerContext } from './job-definition';

/** What a job_runs row left `active` by a worker that died says once it is closed. */
export const WORKER_LOST = 'the worker running this attempt stopped before it finished (killed, crashed or out of memory)';

/** BullMQ's reason for a job that stalled more often than maxStalledCount, and ours for people. */
const STALLED_REASON = /stalled more than allowable limit/i;
export const STALLED_TOO_OFTEN = 'the worker running it stopped (killed, crashed or out of memory) again and again, so it was given up';

/**
 * Runs one job: validates its payload (bad data fails at once, without retries), records the
 * attempt in job_runs, and when the job has failed for good lets its definition record why.
 */
export async function runJob(definition: JobDefinition<unknown>, job: Job, context: WorkerContext): Promise<unknown> {
  return runWithContext({ jobId: job.id, queue: job.queueName }, async () => {
    const parsed = definition.payload.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid payload: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    const data = parsed.data;
    const subject = definition.subject(data);
    // BullMQ runs a job in one worker at a time, so an earlier run still `active` is from a worker that died.
    await closeLostRuns(job.queueName, job.id ?? '');
    const run = await JobRun.query().insertAndFetch({
      queue: job.queueName,
      jobId: job.id ?? '',
      jobName: job.name,
      attempt: job.attemptsMade + 1,
      releaseId: subject.releaseId ?? null,
      uploadId: subject.uploadId ?? null,
      state: 'active',
      startedAt: new Date(),
    });
    try {
      const result = await definition.process(job, data, context);
      await run.$query().patch({ state: 'completed', finishedAt: new Date() });
      return result;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await run.$query().patch({ state: 'failed', error: reason, finishedAt: new Date() });
      const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      context.logger.warn('job failed', { name: job.name, attempt: job.attemptsMade + 1, final, reason });
      if (final) await definition.onFinalFailure?.(data, reason, context);
      throw err;
    }
  });
}

/**
 * A job BullMQ failed without running its processor's failure path: it stalled more than
 * maxStalledCount times (a crash loop, OOM, SIGKILL), or it failed while its worker was gone.
 * Closes its lost runs and lets its definition record the failure (which is idempotent, so a
 * failure the processor already recorded keeps its first reason).
 */
export async function recordFinalFailure(definition: JobDefinition<unknown>, job: Pick<Job, 'id' | 'queueName' | 'data'>, failedReason: string, context: WorkerContext): Promise<void> {
  const reason = readableFailure(failedReason);
  await closeLostRuns(job.queueName, job.id ?? '', reason);
  const parsed = definition.payload.safeParse(job.data);
  if (parsed.success) await definition.onFinalFailure?.(parsed.data, reason, context);
}

/** BullMQ's failure reason, with its wording for a job given up after stalling put for people. */
export function readableFailure(failedReason: string): string {
  return STALLED_REASON.test(failedReason) ? STALLED_TOO_OFTEN : failedReason;
}

/** Closes the runs of a job left `active` (their worker is gone); returns how many. */
export async function closeLostRuns(queue: string, jobId: string, reason = WORKER_LOST): Promise<number> {
  return JobRun.query().patch({ state: 'failed', error: reason, finishedAt: new Date() }).where({ queue, jobId, state: 'active' });
}
