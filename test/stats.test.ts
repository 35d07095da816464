import { Group, JobRun, User } from '../db/models';
import { ALL_QUEUES, QueueName } from '../lib/domain/queue-names';
import { insertRelease, insertUpload } from './support/rows';
import { startTestApp, TestApp } from './support/test-app';

/**
 * GET /api/stats counted over rows put straight into the database (the dashboard reads them,
 * nothing runs them) and jobs waiting in real Redis queues with no worker: releases by state,
 * type, group and day for thirty days, jobs per queue, the twenty newest failures. The same
 * figures after real releases are checked by test/release-management.test.ts.
 */
const DAY = 86_400_000;
let app: TestApp;
let admin: { user: User; token: string };
let release: (fields: { state: string; type?: string; groupId?: number | null; daysAgo?: number }) => Promise<string>;

/** The calendar day (UTC) `daysAgo` days before now, as the dashboard names it. */
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin', 'admin@example.test', []);
  const espId = (await Group.query().insertAndFetch({ tag: 'ESP', name: 'Group ESP' })).id;
  const upload = await insertUpload(admin.user.id);
  release = async ({ state, type = 'EBOOK', groupId = espId, daysAgo = 0 }) => {
    const createdAt = new Date(Date.now() - daysAgo * DAY);
    return (await insertRelease(upload, { options: { type, group: 'ESP' } as never, state: state as never, progress: 0, type, groupId, createdAt })).id;
  };
});
afterAll(() => app.close());

const stats = async () => {
  const res = await app.http.get('/api/stats').set('Authorization', `Bearer ${admin.token}`);
  expect(res.status).toBe(200);
  return res.body.stats;
};

it('counts nothing on an empty system: thirty days of zero, every queue empty, no failures', async () => {
  const empty = await stats();
  expect(empty.releases).toEqual({ byState: {}, byType: {}, byGroup: {}, perDay: Array.from({ length: 30 }, (_, i) => ({ day: day(29 - i), count: 0 })) });
  expect(Object.keys(empty.jobs).sort()).toEqual([...ALL_QUEUES].sort());
  for (const counts of Object.values(empty.jobs)) expect(counts).toEqual({ waiting: 0, paused: 0, active: 0, delayed: 0, completed: 0, failed: 0, prioritized: 0 });
  expect(empty.recentFailures).toEqual([]);
});

it('counts releases by state, type and group (none has its own name), and per day for the last thirty days only', async () => {
  await release({ state: 'done' });
  await release({ state: 'done', daysAgo: 3 });
  await release({ state: 'failed', type: 'COMIC', groupId: null, daysAgo: 29 });
  await release({ state: 'review', type: 'COMIC', daysAgo: 30.5 });
  await release({ state: 'done', groupId: null, daysAgo: 400 });

  const { releases } = await stats();
  expect(releases.byState).toEqual({ done: 3, failed: 1, review: 1 });
  expect(releases.byType).toEqual({ EBOOK: 3, COMIC: 2 });
  expect(releases.byGroup).toEqual({ ESP: 3, '(none)': 2 });
  expect(releases.perDay).toHaveLength(30);
  expect(releases.perDay[0]).toEqual({ day: day(29), count: 1 });
  expect(releases.perDay[26]).toEqual({ day: day(3), count: 1 });
  expect(releases.perDay[29]).toEqual({ day: day(0), count: 1 });
  expect(releases.perDay.reduce((sum: number, d: { count: number }) => sum + d.count, 0)).toBe(3);
});

it('counts a release made at the oldest edge of the thirty days in none of days outside them', async () => {
  // A minute inside the window: its day is the one before the oldest listed (but at 23:59 UTC, when it is the oldest).
  await release({ state: 'done', daysAgo: 30 - 60_000 / DAY });
  const { perDay } = (await stats()).releases;
  expect(perDay.map((d: { day: string }) => d.day)).toEqual(Array.from({ length: 30 }, (_, i) => day(29 - i)));
  for (const { count } of perDay) expect(Number.isInteger(count)).toBe(true);
});

it('counts the jobs of each queue from Redis, those of a paused queue apart', async () => {
  const enrich = app.context.queue.queue(QueueName.Enrich);
  await enrich.add('enrich', { releaseId: 'counted' });
  await enrich.add('enrich', { releaseId: 'later' }, { delay: 60_000 });
  expect((await stats()).jobs[QueueName.Enrich]).toEqual({ waiting: 1, paused: 0, active: 0, delayed: 1, completed: 0, failed: 0, prioritized: 0 });
  await enrich.pause();
  await enrich.add('enrich', { releaseId: 'held' });
  const { jobs } = await stats();
  expect(jobs[QueueName.Enrich]).toEqual({ waiting: 0, paused: 2, active: 0, delayed: 1, completed: 0, failed: 0, prioritized: 0 });
  expect(jobs[QueueName.Pack]).toEqual({ waiting: 0, paused: 0, active: 0, delayed: 0, completed: 0, failed: 0, prioritized: 0 });
});

it('lists the twenty newest failed job runs, newest first, with what failed and why', async () => {
  const releaseId = await release({ state: 'failed' });
  // Whole seconds: MySQL keeps no milliseconds.
  const base = Math.floor((Date.now() - DAY) / 1000) * 1000;
  for (let i = 0; i < 22; i++) {
    const finishedAt = new Date(base + i * 60_000);
    await JobRun.query().insert({ queue: 'pack', jobId: `pack-${i}`, jobName: 'pack', attempt: 1, releaseId, uploadId: null, state: 'failed', error: `disk full ${i}`, startedAt: finishedAt, finishedAt });
  }
  // Newer than every failure, but not failed: never listed.
  await JobRun.query().insert({ queue: 'pack', jobId: 'pack-ok', jobName: 'pack', attempt: 1, releaseId, uploadId: null, state: 'completed', error: null, startedAt: new Date(), finishedAt: new Date() });

  const { recentFailures } = await stats();
  expect(recentFailures).toHaveLength(20);
  expect(recentFailures.map((f: { jobId: string }) => f.jobId)).toEqual(Array.from({ length: 20 }, (_, i) => `pack-${21 - i}`));
  expect(recentFailures[0]).toEqual({ queue: 'pack', jobId: 'pack-21', jobName: 'pack', releaseId, error: 'disk full 21', at: new Date(base + 21 * 60_000).toISOString() });
});
