import fsp from 'node:fs/promises';
import os from 'node:os';
import type { HealthService } from '../api/services/health-service';
import type { Config } from '../lib/config';
import { JobRun, Release } from '../db/models';
import type { JobQueue } from '../jobs/job-queue';
import { ALL_QUEUES, QueueName } from '../lib/domain/queue-names';
import { loadReconcileReport } from '../jobs/reconcile-report';
import type { DashboardData } from './views';
import { recentWatchOutcomes } from './watch-folder-outcomes';

/** Gathers what the dashboard shows; every figure comes from the queue, the database or the OS. */
export async function dashboardData(config: Config, queue: JobQueue, health: HealthService, user: string): Promise<DashboardData> {
  const hourAgo = new Date(Date.now() - 3_600_000);
  const [report, queues, releases, failedJobs, disks, reconcile, watchFolders] = await Promise.all([
    health.check(),
    Promise.all(
      ALL_QUEUES.map(async (name) => {
        const counts = await queue.queue(name).getJobCounts('waiting', 'paused', 'active', 'failed', 'delayed', 'waiting-children', 'prioritized');
        const completedLastHour = await JobRun.query().where({ queue: name, state: 'completed' }).where('finishedAt', '>', hourAgo).resultSize();
        return {
          name,
          // Jobs of a paused queue are waiting too: BullMQ counts them apart, as `paused`.
          waiting: (counts.waiting ?? 0) + (counts.paused ?? 0) + (counts['waiting-children'] ?? 0) + (counts.prioritized ?? 0),
          active: counts.active ?? 0,
          failed: counts.failed ?? 0,
          delayed: counts.delayed ?? 0,
          completedLastHour,
        };
      }),
    ),
    Release.query().orderBy('updatedAt', 'desc').limit(10),
    Promise.all(ALL_QUEUES.map(async (name) => (await queue.queue(name).getFailed(0, 4)).map((job) => ({ queue: name, id: job.id ?? '', name: job.name, reason: job.failedReason, finishedOn: job.finishedOn })))),
    Promise.all(
      [
        ['disk (uploads)', config.storage.uploadDir],
        ['disk (releases)', config.storage.releasesDir],
      ].map(async ([name, dir]) => {
        const stats = await fsp.statfs(dir).catch(() => fsp.statfs(config.storage.dataDir)).catch(() => undefined);
        return { name, usedPercent: stats ? 100 * (1 - stats.bavail / stats.blocks) : 0 };
      }),
    ),
    queue
      .queue(QueueName.Pack)
      .client.then((redis) => loadReconcileReport(redis, config))
      .catch(() => undefined),
    recentWatchOutcomes(),
  ]);
  const load = (os.loadavg()[0] / os.cpus().length) * 100;
  return {
    user,
    queues,
    releases,
    failedJobs: failedJobs.flat().slice(0, 10),
    components: [
      { name: 'database', status: report.components.database.status, detail: `${report.components.database.latencyMs} ms` },
      { name: 'redis', status: report.components.redis.status, detail: `${report.components.redis.latencyMs} ms` },
      ...Object.entries(report.workers).map(([name, count]) => ({ name: `workers: ${name}`, status: count ? 'up' : 'down', detail: `${count ?? 0} connected` })),
    ],
    reconcile,
    watchFolders,
    system: [
      { name: 'CPU (1 min load)', usedPercent: load },
      { name: 'RAM', usedPercent: 100 * (1 - os.freemem() / os.totalmem()) },
      ...disks,
    ],
  };
}
