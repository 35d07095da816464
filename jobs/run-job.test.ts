import { Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import { z } from 'zod';
import { JobRun } from '../db/models';
import { jobAttempts, jobDuration } from '../lib/metrics';
import { createRedis, Redis } from '../lib/redis';
import { startTestApp, TestApp } from '../test/support/test-app';
import { defineJob, JobDefinition, WorkerContext } from './job-definition';
import { readableFailure, recordFinalFailure, runJob, splitJobData, STALLED_TOO_OFTEN, WORKER_LOST } from './run-job';

/**
 * runJob and recordFinalFailure in this process, around a job definition written for the test,
 * with a real BullMQ queue and worker (Redis) and the real job_runs table. The worker pools run
 * the same code in child processes (test/worker-recovery.test.ts, test/faults.test.ts), where its
 * failures show only as stuck releases; here each of its promises is checked on its own.
 */
let app: TestApp;
let queue: Queue;
let events: QueueEvents;
let context: WorkerContext;
const QUEUE = 'run-job-test';
let counter = 0;

/** What the test job is told to do: succeed, fail `failTimes` times then succeed, or fail for good. */
const payload = z.object({
  releaseId: z.string(),
  failTimes: z.number().int(),
  unrecoverable: z.boolean().default(false),
  /** Dies like a killed worker in its first attempt would: its job_runs row stays active. */
  leaveActiveRun: z.boolean().default(false),
});
type Payload = z.infer<typeof payload>;
const finalFailures: { data: Payload; reason: string }[] = [];
const processed: { data: Payload; attempt: number; requestId?: unknown }[] = [];

const definition = defineJob<Payload>({
  queue: QUEUE as never,
  name: 'run-job-test' as never,
  payload,
  subject: (data) => ({ releaseId: data.releaseId, uploadId: `upload-of-${data.releaseId}` }),
  async process(job, data) {
    processed.push({ data, attempt: job.attemptsMade + 1, requestId: (job.data as { requestId?: unknown }).requestId });
    if (data.unrecoverable) throw new UnrecoverableError('this book can never be packed');
    if (data.leaveActiveRun && job.attemptsMade === 0) {
      await JobRun.query().insert({ queue: QUEUE, jobId: job.id!, jobName: job.name, attempt: 1, state: 'active', startedAt: new Date() });
    }
    if (job.attemptsMade < data.failTimes) throw new Error(`temporary failure ${job.attemptsMade + 1}`);
    return { packed: data.releaseId };
  },
  async onFinalFailure(data, reason, { logger }) {
    logger.info('test job failure recorded');
    finalFailures.push({ data, reason });
  },
}) as JobDefinition<unknown>;

let worker: Worker;
let workerRedis: Redis;

beforeAll(async () => {
  app = await startTestApp();
  const { config, logger, redis, queue: jobQueue } = app.context;
  context = { config, logger, redis, queue: jobQueue };
  queue = new Queue(QUEUE, { connection: redis, prefix: config.redis.prefix });
  // Blocking reads (the worker's and the event stream's) need a connection that waits out errors.
  workerRedis = createRedis(config, 'worker');
  events = new QueueEvents(QUEUE, { connection: workerRedis, prefix: config.redis.prefix });
  await events.waitUntilReady();
  worker = new Worker(QUEUE, (job: Job) => runJob(definition, job, context), { connection: workerRedis, prefix: config.redis.prefix });
  await worker.waitUntilReady();
});

afterAll(async () => {
  await worker.close();
  await events.close();
  await queue.close();
  workerRedis.disconnect();
  await app.close();
});

beforeEach(() => {
  finalFailures.length = 0;
  processed.length = 0;
});

async function run(data: Record<string, unknown>, attempts: number, jobId = `job-${++counter}`): Promise<{ job: Job; outcome: unknown }> {
  const job = await queue.add('run-job-test', data, { jobId, attempts, backoff: { type: 'fixed', delay: 0 } });
  const outcome = await job.waitUntilFinished(events, 20_000).catch((err: Error) => err);
  return { job: (await queue.getJob(job.id!))!, outcome };
}

const runsOf = (jobId: string) => JobRun.query().where({ queue: QUEUE, jobId }).orderBy('attempt');
const attemptCount = async (outcome: string) => (await jobAttempts.get()).values.find((v) => v.labels.queue === QUEUE && v.labels.outcome === outcome)?.value ?? 0;
const timedCount = async (outcome: string) =>
  (await jobDuration.get()).values.find((v) => v.metricName === 'esp_job_duration_seconds_count' && v.labels.queue === QUEUE && v.labels.outcome === outcome)?.value ?? 0;
/** What job_runs says of a run a dead worker left, in the words people read. */
const LOST_RUN = 'the worker running this attempt stopped before it finished (killed, crashed or out of memory)';
const GIVEN_UP = 'the worker running it stopped (killed, crashed or out of memory) again and again, so it was given up';

describe('runJob', () => {
  it('records a completed attempt in job_runs and the metrics, logs it under its request, and returns the result', async () => {
    const completedBefore = await attemptCount('completed');
    const timedBefore = await timedCount('completed');
    const { job, outcome } = await run({ releaseId: 'r-ok', failTimes: 0, requestId: 'req-ok' }, 3);
    expect(outcome).toEqual({ packed: 'r-ok' });
    expect(job.returnvalue).toEqual({ packed: 'r-ok' });
    // The processor was given the payload with the request id split off.
    expect(processed).toEqual([{ data: { releaseId: 'r-ok', failTimes: 0, unrecoverable: false, leaveActiveRun: false }, attempt: 1, requestId: 'req-ok' }]);
    const [row, ...more] = await runsOf(job.id!);
    expect(more).toEqual([]);
    expect(row).toMatchObject({ queue: QUEUE, jobId: job.id, jobName: 'run-job-test', attempt: 1, releaseId: 'r-ok', uploadId: 'upload-of-r-ok', state: 'completed', error: null });
    expect(row.finishedAt).not.toBeNull();
    expect(new Date(row.finishedAt!).getTime()).toBeGreaterThanOrEqual(new Date(row.startedAt).getTime());
    expect(await attemptCount('completed')).toBe(completedBefore + 1);
    expect(await timedCount('completed')).toBe(timedBefore + 1);
    const started = app.logged('job started').find((line) => line.jobId === job.id);
    expect(started).toMatchObject({ requestId: 'req-ok', releaseId: 'r-ok', queue: QUEUE, name: 'run-job-test', attempt: 1 });
    expect(app.logged('job completed').find((line) => line.jobId === job.id)).toMatchObject({ requestId: 'req-ok', attempt: 1 });
    expect(finalFailures).toEqual([]);
  });

  it('refuses an invalid payload at once, without retries, a job_runs row or a final-failure record', async () => {
    const { job, outcome } = await run({ releaseId: 42, failTimes: 'none', requestId: 'req-bad' }, 3);
    expect(outcome).toBeInstanceOf(Error);
    expect(job.failedReason).toBe('invalid payload: Expected string, received number; Expected number, received string');
    expect(job.attemptsMade).toBe(1);
    expect(processed).toEqual([]);
    expect(await runsOf(job.id!)).toEqual([]);
    expect(finalFailures).toEqual([]);
  });

  it('records each failed attempt, and a temporary failure is retried to completion without a final-failure record', async () => {
    const failedBefore = await attemptCount('failed');
    const timedBefore = await timedCount('failed');
    const { job, outcome } = await run({ releaseId: 'r-flaky', failTimes: 2 }, 3);
    expect(outcome).toEqual({ packed: 'r-flaky' });
    const runs = await runsOf(job.id!);
    expect(runs.map((r) => [r.attempt, r.state, r.error])).toEqual([
      [1, 'failed', 'temporary failure 1'],
      [2, 'failed', 'temporary failure 2'],
      [3, 'completed', null],
    ]);
    expect(runs.every((r) => r.finishedAt !== null)).toBe(true);
    expect(await attemptCount('failed')).toBe(failedBefore + 2);
    expect(await timedCount('failed')).toBe(timedBefore + 2);
    expect(app.logged('job failed').filter((line) => line.jobId === job.id).map((line) => [line.attempt, line.final, line.reason])).toEqual([
      [1, false, 'temporary failure 1'],
      [2, false, 'temporary failure 2'],
    ]);
    expect(finalFailures).toEqual([]);
  });

  it('lets the definition record the failure once, after the last attempt', async () => {
    const { job, outcome } = await run({ releaseId: 'r-broken', failTimes: 9 }, 2);
    expect((outcome as Error).message).toBe('temporary failure 2');
    expect((await runsOf(job.id!)).map((r) => r.state)).toEqual(['failed', 'failed']);
    expect(finalFailures).toEqual([{ data: { releaseId: 'r-broken', failTimes: 9, unrecoverable: false, leaveActiveRun: false }, reason: 'temporary failure 2' }]);
    expect(app.logged('job failed').filter((line) => line.jobId === job.id).map((line) => line.final)).toEqual([false, true]);
  });

  it('treats an UnrecoverableError as final on the first attempt', async () => {
    const { job } = await run({ releaseId: 'r-never', failTimes: 0, unrecoverable: true, leaveActiveRun: false }, 5);
    expect(job.attemptsMade).toBe(1);
    expect((await runsOf(job.id!)).map((r) => [r.state, r.error])).toEqual([['failed', 'this book can never be packed']]);
    expect(finalFailures).toEqual([{ data: { releaseId: 'r-never', failTimes: 0, unrecoverable: true, leaveActiveRun: false }, reason: 'this book can never be packed' }]);
  });

  it('closes the run a dead worker left active when the job starts again', async () => {
    const { job, outcome } = await run({ releaseId: 'r-again', failTimes: 1, leaveActiveRun: true }, 2);
    expect(outcome).toEqual({ packed: 'r-again' });
    const runs = await JobRun.query().where({ queue: QUEUE, jobId: job.id! }).orderBy('id');
    expect(runs.map((r) => [r.attempt, r.state, r.error])).toEqual([
      [1, 'failed', 'temporary failure 1'],
      [1, 'failed', LOST_RUN],
      [2, 'completed', null],
    ]);
    expect(WORKER_LOST).toBe(LOST_RUN);
  });
});

describe('recordFinalFailure', () => {
  it('closes the lost runs of a job BullMQ gave up on, and records the failure in words for people', async () => {
    const jobId = `job-${++counter}`;
    await JobRun.query().insert({ queue: QUEUE, jobId, jobName: 'run-job-test', attempt: 2, state: 'active', startedAt: new Date() });
    await JobRun.query().insert({ queue: 'another-queue', jobId, jobName: 'run-job-test', attempt: 1, state: 'active', startedAt: new Date() });
    const job = { id: jobId, queueName: QUEUE, name: 'run-job-test', timestamp: Date.now(), data: { releaseId: 'r-stalled', failTimes: 0, requestId: 'req-stalled' } };
    await recordFinalFailure(definition, job, 'job stalled more than allowable limit', context);
    expect((await runsOf(jobId)).map((r) => [r.state, r.error])).toEqual([['failed', GIVEN_UP]]);
    expect((await JobRun.query().where({ queue: 'another-queue', jobId })).map((r) => r.state)).toEqual(['active']);
    expect(finalFailures).toEqual([{ data: { releaseId: 'r-stalled', failTimes: 0, unrecoverable: false, leaveActiveRun: false }, reason: GIVEN_UP }]);
    // The failure is recorded under the job's request, like its attempts were.
    expect(app.logged('test job failure recorded').find((line) => line.jobId === jobId)).toMatchObject({ requestId: 'req-stalled', releaseId: 'r-stalled', queue: QUEUE });
  });

  it('closes the lost runs but records nothing for a payload it cannot read', async () => {
    const jobId = `job-${++counter}`;
    await JobRun.query().insert({ queue: QUEUE, jobId, jobName: 'run-job-test', attempt: 1, state: 'active', startedAt: new Date() });
    await recordFinalFailure(definition, { id: jobId, queueName: QUEUE, name: 'run-job-test', timestamp: Date.now(), data: { nonsense: true } }, 'connection lost', context);
    expect((await runsOf(jobId)).map((r) => [r.state, r.error])).toEqual([['failed', 'connection lost']]);
    expect(finalFailures).toEqual([]);
  });
});

describe('job data and failure wording', () => {
  it('splits the request id off a payload, and leaves payloads without one whole', () => {
    expect(splitJobData({ requestId: 'req-1', releaseId: 'r' })).toEqual({ requestId: 'req-1', payload: { releaseId: 'r' } });
    expect(splitJobData({ requestId: 7, releaseId: 'r' })).toEqual({ requestId: undefined, payload: { releaseId: 'r' } });
    expect(splitJobData({ releaseId: 'r' })).toEqual({ payload: { releaseId: 'r' } });
    expect(splitJobData(null)).toEqual({ payload: null });
    expect(splitJobData('text')).toEqual({ payload: 'text' });
  });

  it("puts BullMQ's stall wording in words for people and leaves other reasons as they are", () => {
    expect(readableFailure('job stalled more than allowable limit')).toBe(GIVEN_UP);
    expect(readableFailure('Job Stalled More Than Allowable Limit')).toBe(STALLED_TOO_OFTEN);
    expect(readableFailure('disk full')).toBe('disk full');
  });
});
