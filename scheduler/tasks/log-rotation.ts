import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export interface RotationReport {
  compressed: string[];
  deleted: string[];
}

const DATED = /^(?<stem>.+)-(?<date>\d{4}-\d{2}-\d{2})\.log(?<gz>\.gz)?$/;

/**
 * Daily log housekeeping. Processes write to app-YYYY-MM-DD.log (UTC) and move to the next file
 * at midnight by themselves, so past days are complete: they are gzipped (temp file, then rename,
 * then the original removed) and deleted after `retentionDays`. Today's file is never touched.
 */
export async function rotateLogs(logDir: string, retentionDays: number, now = new Date()): Promise<RotationReport> {
  const today = now.toISOString().slice(0, 10);
  const oldest = new Date(now.getTime() - retentionDays * 86_400_000).toISOString().slice(0, 10);
  const report: RotationReport = { compressed: [], deleted: [] };
  for (const name of await fsp.readdir(logDir).catch(() => [] as string[])) {
    const match = DATED.exec(name);
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
