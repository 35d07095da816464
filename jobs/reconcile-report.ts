import type { Config } from '../lib/config';
import type { Redis } from '../lib/redis';

/** What the last reconciler run found and did; the console dashboard shows it. */
export interface ReconcileReport {
  finishedAt: string;
  /** Staging folders and attempts of no live pack job. */
  stagingRemoved: string[];
  /** Object store: `uploads/<id>` objects no upload row names (an API stopped between storing and recording one). */
  uploadsRemoved: string[];
  releasesFailed: { id: string; reason: string }[];
  failedReleasesCleaned: string[];
  jobRunsClosed: number;
  trashEmptied: string[];
  /** Published folders no release row holds (left for an operator: they may be someone's files). */
  foldersWithoutRow: string[];
  /** Done releases whose folder is missing. */
  rowsWithoutFolder: { id: string; name: string }[];
}

/** At most this many names per list are kept, so a disk full of strays cannot bloat the key. */
export const REPORT_LIST_LIMIT = 50;

const reportKey = (config: Pick<Config, 'redis'>) => `${config.redis.prefix}:reconciler:last-report`;

export async function saveReconcileReport(redis: Redis, config: Pick<Config, 'redis'>, report: ReconcileReport): Promise<void> {
  await redis.set(reportKey(config), JSON.stringify(report));
}

export async function loadReconcileReport(redis: Pick<Redis, 'get'>, config: Pick<Config, 'redis'>): Promise<ReconcileReport | undefined> {
  const stored = await redis.get(reportKey(config));
  return stored ? (JSON.parse(stored) as ReconcileReport) : undefined;
}
