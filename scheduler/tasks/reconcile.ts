import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { Redis } from '../../lib/redis';
import { runWithContext } from '../../lib/request-context';
import { JobName, QueueName } from '../../lib/domain/queue-names';
import { JobRun, Release } from '../../db/models';
import { jobIds, JobQueue } from '../../jobs/job-queue';
import { CHECKSUMS_DIR, releaseNameOfStaging } from '../../jobs/pack/engine/pack-release';
import { discardFailedRelease } from '../../jobs/pack/release-ownership';
import { publishedReleaseNames, removeUncommittedReleases, removeUploadObjects, uploadsWithoutRow } from '../../jobs/stored-files';
import { ReconcileReport, REPORT_LIST_LIMIT } from '../../jobs/reconcile-report';
import { failRelease, ReleaseStep, SETTLED_STATES } from '../../jobs/release-state';
import { closeLostRuns, readableFailure, splitJobData } from '../../jobs/run-job';
import { announceReleaseFailed } from '../../jobs/notify/release-events';
import { stagingRoot, trashRoot } from '../../jobs/storage-paths';

export interface ReconcileOptions {
  now?: Date;
  /**
   * Releases younger than this are left alone: the API adds the flow just after the row. So are
   * stored uploads without a row: with STORAGE=s3 the API writes the row just after the object.
   */
  graceMs?: number;
}

const STEPS: [ReleaseStep, QueueName, JobName][] = [
  ['inspect', QueueName.Upload, JobName.Inspect],
  ['enrich', QueueName.Enrich, JobName.Enrich],
  ['pack', QueueName.Pack, JobName.Pack],
];
/** A sighting of a stored upload without its row counts for the next run only (runs are minutes apart). */
const SEEN_TTL_S = 24 * 3600;
export const FLOW_LOST = 'its jobs are gone from the queue (Redis lost them, or they were removed by hand); request the release again';

/**
 * Makes disk, database and queues agree after faults (crashes, SIGKILL, OOM, Redis or disk
 * trouble): releases whose flow is gone or failed are failed with a reason and announced to the
 * webhooks as a worker's failure would be, failed releases leave nothing on disk, job_runs of
 * dead workers are closed, staging folders of no live pack job, stored uploads of no row (an API
 * stopped between storing and recording one; seen by two runs) and trash of deleted rows are removed, and strays
 * are reported. Every step is idempotent.
 */
export async function reconcile(config: Config, queue: JobQueue, redis: Redis, logger: Logger, options: ReconcileOptions = {}): Promise<ReconcileReport> {
  const now = options.now ?? new Date();
  const settledBefore = new Date(now.getTime() - (options.graceMs ?? 120_000));
  const stranded = await failStrandedReleases(queue, settledBefore);
  const failedReleasesCleaned: string[] = [];
  for (const release of await Release.query().where({ state: 'failed' }).whereNotNull('name')) {
    await discardFailedRelease(config, release.id);
    failedReleasesCleaned.push(release.id);
  }
  // Announced once their leftovers are gone, as a worker announces the failures it records.
  for (const { id, requestId } of stranded) {
    await runWithContext({ requestId, releaseId: id }, () => announceReleaseFailed(id, queue, logger));
  }
  const releasesFailed = stranded.map(({ id, reason }) => ({ id, reason }));
  const jobRunsClosed = await closeDeadJobRuns(queue);
  const stagingRemoved = await removeDeadStaging(config, queue);
  const uploadsRemoved = await removeStoredUploadsWithoutRow(config, redis, settledBefore);
  const trashEmptied = await emptyTrash(config);
  const { foldersWithoutRow, rowsWithoutFolder } = await strays(config);
  return {
    finishedAt: new Date().toISOString(),
    stagingRemoved: stagingRemoved.slice(0, REPORT_LIST_LIMIT),
    uploadsRemoved: uploadsRemoved.slice(0, REPORT_LIST_LIMIT),
    releasesFailed: releasesFailed.slice(0, REPORT_LIST_LIMIT),
    failedReleasesCleaned: failedReleasesCleaned.slice(0, REPORT_LIST_LIMIT),
    jobRunsClosed,
    trashEmptied: trashEmptied.slice(0, REPORT_LIST_LIMIT),
    foldersWithoutRow: foldersWithoutRow.slice(0, REPORT_LIST_LIMIT),
    rowsWithoutFolder: rowsWithoutFolder.slice(0, REPORT_LIST_LIMIT),
  };
}

/**
 * A release in flight (not settled, not waiting in review) whose step jobs are all gone, or one of
 * whose step jobs has failed, is failed with the reason. (The flow is enrich <- inspect, or enrich alone; the pack
 * job is enqueued by enrich, so "all gone" means none of the three exists.)
 */
async function failStrandedReleases(queue: JobQueue, createdBefore: Date): Promise<{ id: string; reason: string; requestId?: string }[]> {
  const failed: { id: string; reason: string; requestId?: string }[] = [];
  // A release in review waits for a person with no job in Redis: nothing is stranded there.
  const inFlight = await Release.query().whereNotIn('state', [...SETTLED_STATES, 'review']).where('createdAt', '<', createdBefore);
  for (const release of inFlight) {
    const views = await Promise.all(STEPS.map(([, queueName, name]) => queue.getJobView(queueName, jobIds.releaseStep(name, release.id))));
    const failedStep = STEPS.findIndex((_, i) => views[i]?.state === 'failed');
    let step: ReleaseStep | undefined;
    let reason: string | undefined;
    if (views.every((v) => !v)) [step, reason] = [(release.step as ReleaseStep | null) ?? 'inspect', FLOW_LOST];
    else if (failedStep >= 0) [step, reason] = [STEPS[failedStep][0], readableFailure(views[failedStep]!.failedReason ?? 'the job failed')];
    if (!step || !reason) continue;
    // The request that started the release, from whichever of its jobs is left (none when all are gone).
    const requestId = views.map((v) => v && splitJobData(v.data).requestId).find(Boolean);
    if (await failRelease(release.id, step, reason)) failed.push({ id: release.id, reason, requestId });
  }
  return failed;
}

/**
 * A job is running only while a worker holds its lock: one left `active` by a dead worker keeps
 * that state until some worker's stall check moves it, but its lock expires with the worker.
 */
async function isRunning(queue: JobQueue, queueName: QueueName, jobId: string): Promise<boolean> {
  const view = await queue.getJobView(queueName, jobId);
  if (view?.state !== 'active') return false;
  const bullQueue = queue.queue(queueName);
  return (await (await bullQueue.client).get(bullQueue.toKey(`${jobId}:lock`))) !== null;
}

async function closeDeadJobRuns(queue: JobQueue): Promise<number> {
  let closed = 0;
  const active = await JobRun.query().where({ state: 'active' });
  for (const run of active) {
    if (!(await isRunning(queue, run.queue as QueueName, run.jobId))) closed += await closeLostRuns(run.queue, run.jobId);
  }
  return closed;
}

/** Names of releases a pack job is writing right now: their staging folders stay. */
async function liveNames(queue: JobQueue): Promise<Set<string>> {
  const packing = await Release.query().where({ state: 'packing' }).whereNotNull('name');
  const live = new Set<string>();
  for (const release of packing) {
    if (await isRunning(queue, QueueName.Pack, jobIds.releaseStep(JobName.Pack, release.id))) live.add(release.name!);
  }
  return live;
}

async function removeDeadStaging(config: Config, queue: JobQueue): Promise<string[]> {
  const live = await liveNames(queue);
  const removed: string[] = [];
  const staging = stagingRoot(config);
  for (const entry of await fsp.readdir(staging).catch(() => [] as string[])) {
    if (live.has(releaseNameOfStaging(entry))) continue;
    await fsp.rm(path.join(staging, entry), { recursive: true, force: true });
    removed.push(path.join(path.basename(staging), entry));
  }
  // Half-written SFVs (`<name>.sfv.<random>.tmp`) of no live pack job.
  const checksums = path.join(config.storage.releasesDir, CHECKSUMS_DIR);
  for (const entry of await fsp.readdir(checksums).catch(() => [] as string[])) {
    const temp = /^(.*)\.sfv\.[0-9a-f]{12}\.tmp$/.exec(entry);
    if (!temp || live.has(temp[1])) continue;
    await fsp.rm(path.join(checksums, entry), { force: true });
    removed.push(path.join(CHECKSUMS_DIR, entry));
  }
  // Object store: attempts no manifest names, unless a live pack job may still be writing them.
  removed.push(...(await removeUncommittedReleases(config, live, config.worker.lockDurationMs * 2)));
  return removed;
}

/**
 * Object store: `uploads/<id>` objects no row names, removed when the previous run found them
 * without a row too. An object's date may be when its multipart upload began (AWS S3), so an
 * upload longer than the grace completes with an old date and has its row a moment later; one
 * seen rowless by two runs minutes apart was left by an API stopped in between.
 */
async function removeStoredUploadsWithoutRow(config: Config, redis: Redis, settledBefore: Date): Promise<string[]> {
  const seenKey = `${config.redis.prefix}:reconciler:uploads-without-row`;
  const seenBefore = new Set<string>(JSON.parse((await redis.get(seenKey)) ?? '[]'));
  const rowless = await uploadsWithoutRow(config, settledBefore);
  const removed = rowless.filter((key) => seenBefore.has(key));
  await removeUploadObjects(config, removed);
  await redis.set(seenKey, JSON.stringify(rowless.filter((key) => !seenBefore.has(key))), 'EX', SEEN_TTL_S);
  return removed;
}

/** Trash entries are `<release id>-<time>`; once the row is gone nothing can move them back. */
async function emptyTrash(config: Config): Promise<string[]> {
  const trash = trashRoot(config);
  const emptied: string[] = [];
  for (const entry of await fsp.readdir(trash).catch(() => [] as string[])) {
    if (await Release.query().findById(entry.slice(0, 36))) continue;
    await fsp.rm(path.join(trash, entry), { recursive: true, force: true });
    emptied.push(entry);
  }
  return emptied;
}

async function strays(config: Config): Promise<Pick<ReconcileReport, 'foldersWithoutRow' | 'rowsWithoutFolder'>> {
  const named = await Release.query().whereNotNull('name').select('id', 'name', 'state');
  const owned = new Set(named.map((r) => r.name));
  const folders = await publishedReleaseNames(config);
  const published = new Set(folders);
  const foldersWithoutRow = folders.filter((f) => !owned.has(f)).sort();
  const rowsWithoutFolder = named.filter((r) => r.state === 'done' && !published.has(r.name!)).map((r) => ({ id: r.id, name: r.name! }));
  return { foldersWithoutRow, rowsWithoutFolder };
}
