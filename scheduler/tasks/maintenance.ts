import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../lib/config';
import { discard, PARTIAL_DIR } from '../../lib/file-store';
import { JobRun, RefreshToken, Release, Upload } from '../../db/models';
import { INCOMING_DIR } from '../../jobs/pack/engine/pack-release';
import { removeUpload } from '../../jobs/stored-files';

export interface MaintenanceReport {
  uploadsRemoved: number;
  tempEntriesRemoved: number;
  refreshTokensRemoved: number;
  jobRunsRemoved: number;
}

const DAY_MS = 86_400_000;

/**
 * Removes what nobody will use again: uploads never turned into a release after the retention
 * period (row and file), abandoned partial uploads and half-built releases, expired or revoked
 * refresh tokens, and old job history. Finished BullMQ jobs expire by their own retention.
 */
export async function runMaintenance(config: Config, now = new Date()): Promise<MaintenanceReport> {
  const { retention } = config.scheduler;
  const uploadCutoff = new Date(now.getTime() - retention.uploadDays * DAY_MS);
  const stale = await Upload.query()
    .where('createdAt', '<', uploadCutoff)
    .whereNotExists(Release.query().whereColumn('releases.uploadId', 'uploads.id'));
  for (const upload of stale) {
    await upload.$query().delete();
    await removeUpload(config, upload.id);
  }

  const tempCutoff = now.getTime() - retention.tempHours * 3_600_000;
  let tempEntriesRemoved = 0;
  for (const dir of [path.join(config.storage.uploadDir, PARTIAL_DIR), path.join(config.storage.releasesDir, INCOMING_DIR)]) {
    const entries = await fsp.readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      const full = path.join(dir, entry);
      const { mtimeMs } = await fsp.stat(full);
      if (mtimeMs < tempCutoff) {
        await discard(full);
        tempEntriesRemoved++;
      }
    }
  }

  const refreshTokensRemoved = await RefreshToken.query().delete().where('expiresAt', '<', now).orWhere('revokedAt', '<', new Date(now.getTime() - DAY_MS));
  const jobRunsRemoved = await JobRun.query().delete().where('startedAt', '<', new Date(now.getTime() - retention.jobRunDays * DAY_MS));
  return { uploadsRemoved: stale.length, tempEntriesRemoved, refreshTokensRemoved, jobRunsRemoved };
}
