import type { JobQueue } from '../../jobs/job-queue';
import { ALL_QUEUES } from '../../lib/domain/queue-names';
import { Group, JobRun, Release } from '../../db/models';

const DAYS = 30;
const RECENT_FAILURES = 20;

/**
 * Counts for the dashboard: releases by state, type, group and day; jobs per queue; recent failures.
 * A paused queue's jobs are counted as `paused`, not `waiting` (BullMQ keeps them in a list of their own).
 */
export class StatsService {
  constructor(private readonly queue: JobQueue) {}

  async overview() {
    const since = new Date(Date.now() - DAYS * 86_400_000);
    const [byState, byType, byGroup, recent, jobs, failures] = await Promise.all([
      countBy('state'),
      countBy('type'),
      Release.query()
        .leftJoin(Group.tableName, 'groups.id', 'releases.groupId')
        .select('groups.tag')
        .count({ count: '*' })
        .groupBy('groups.tag')
        .castTo<{ tag: string | null; count: number | string }[]>(),
      Release.query().where('createdAt', '>=', since).select('createdAt').castTo<{ createdAt: Date | number | string }[]>(),
      Promise.all(ALL_QUEUES.map(async (name) => [name, await this.queue.queue(name).getJobCounts('waiting', 'paused', 'active', 'delayed', 'completed', 'failed', 'prioritized')] as const)),
      JobRun.query().where({ state: 'failed' }).orderBy('finishedAt', 'desc').limit(RECENT_FAILURES),
    ]);
    const perDay = new Map<string, number>();
    for (let d = DAYS - 1; d >= 0; d--) perDay.set(new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10), 0);
    for (const { createdAt } of recent) {
      const day = new Date(createdAt).toISOString().slice(0, 10);
      if (perDay.has(day)) perDay.set(day, perDay.get(day)! + 1);
    }
    return {
      releases: {
        byState: Object.fromEntries(byState),
        byType: Object.fromEntries(byType),
        byGroup: Object.fromEntries(byGroup.map((r) => [r.tag ?? '(none)', Number(r.count)])),
        perDay: [...perDay].map(([day, count]) => ({ day, count })),
      },
      jobs: Object.fromEntries(jobs),
      recentFailures: failures.map((f) => ({ queue: f.queue, jobId: f.jobId, jobName: f.jobName, releaseId: f.releaseId, error: f.error, at: f.finishedAt })),
    };
  }
}

async function countBy(column: 'state' | 'type'): Promise<[string, number][]> {
  const rows = await Release.query().select(column).count({ count: '*' }).groupBy(column).castTo<Record<string, string | number>[]>();
  return rows.map((r) => [String(r[column]), Number(r.count)]);
}
