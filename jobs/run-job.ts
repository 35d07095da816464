import { Job, UnrecoverableError } from 'bullmq';
import { JobRun } from '../db/models';
import { runWithContext } from '../lib/request-context';
import type { JobDefinition, WorkerContext } from './job-definition';

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
