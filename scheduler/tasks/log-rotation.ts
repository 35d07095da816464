import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { escapeRegExp } from '../../lib/escape-regexp';
import { datedLogPattern } from '../../lib/logger';

export interface RotationReport {
  compressed: string[];
  deleted: string[];
}

/**
 * Our own dated files of LOG_FILE, named as lib/logger.ts's datedLogPattern names them:
 * /var/log/app/app.log -> app-YYYY-MM-DD.log (and app-YYYY-MM-DD.log.gz once compressed). Other
 * programs' dated logs in the same folder (backup-2026-10-01.log) are not ours to touch.
 */
function datedFilesOf(logFile: string): RegExp {
  const [before, after] = path.basename(datedLogPattern(logFile)).split('%DATE%');
  return new RegExp(`^${escapeRegExp(before)}(?<date>\\d{4}-\\d{2}-\\d{2})${escapeRegExp(after)}(?<gz>\\.gz)?$`);
}

/**
 * Daily log housekeeping of LOG_FILE's dated files. Processes write to app-YYYY-MM-DD.log (UTC)
 * and move to the next file at midnight by themselves, so past days are complete: they are
 * gzipped (temp file, then rename, then the original removed) and deleted after `retentionDays`.
 * Today's file is never touched, nor any file of another name in the folder.
 */
export async function rotateLogs(logFile: string, retentionDays: number, now = new Date()): Promise<RotationReport> {
  const logDir = path.dirname(logFile);
  const ours = datedFilesOf(logFile);
  const today = now.toISOString().slice(0, 10);
  const oldest = new Date(now.getTime() - retentionDays * 86_400_000).toISOString().slice(0, 10);
  const report: RotationReport = { compressed: [], deleted: [] };
  for (const name of await fsp.readdir(logDir).catch(() => [] as string[])) {
    const match = ours.exec(name);
    if (!match?.groups || match.groups.date >= today) continue;
    const file = path.join(logDir, name);
    if (match.groups.date < oldest) {
      await fsp.rm(file, { force: true });
      report.deleted.push(name);
    } else if (!match.groups.gz) {
      const temp = `${file}.gz.tmp`;
      await pipeline(fs.createReadStream(file), zlib.createGzip(), fs.createWriteStream(temp));
      await fsp.rename(temp, `${file}.gz`);
      await fsp.rm(file);
      report.compressed.push(name);
    }
  }
  return report;
}
