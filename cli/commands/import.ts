import fs from 'node:fs';
import path from 'node:path';
import { ApiClient, ApiError } from '../api-client';
import { sha256File } from '../../lib/file-sha256';
import { findBooks } from '../batch/find-books';
import { ImportState } from '../batch/import-state';
import { EXIT, Output, table, UsageError } from '../output';
import { UploadProgress } from '../progress';
import type { Release } from '../releases';
import { Upload, uploadFile } from '../upload';
import { optionsOf, ReleaseFlags } from './release';
import { inspected } from './upload';

type Outcome = 'requested' | 'skipped' | 'failed';
interface Row {
  file: string;
  outcome: Outcome;
  upload: 'sent' | 'known' | '-';
  releaseId?: string;
  detail?: string;
}

/** Runs `work` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}

async function uploadBySha256(client: ApiClient, sha256: string): Promise<Upload | undefined> {
  try {
    return (await client.get<{ upload: Upload }>(`/api/uploads/by-sha256/${sha256}`)).upload;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * esp import DIR: every book under DIR uploaded (unless the API already holds its bytes) and a
 * release requested for it, `concurrency` at a time. Each finished step is remembered, so an
 * interrupted run started again picks up where it stopped and a finished one does nothing.
 */
export async function importCommand(client: ApiClient, out: Output, dir: string, flags: ReleaseFlags & { concurrency: string }): Promise<number> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a folder`);
  const concurrency = Number(flags.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new UsageError('--concurrency must be 1 to 16');
  const options = optionsOf(flags);
  const state = new ImportState(dir, client.baseUrl);
  const { books, skipped } = findBooks(dir);
  for (const file of skipped) out.event('ignored', { file, reason: 'not a book by its extension and first bytes' });
  const progress = new UploadProgress(out);
  const rows: Row[] = [];

  await pool(books, concurrency, async (file) => {
    const name = path.relative(dir, file);
    const stat = fs.statSync(file);
    const known = state.get(file, stat);
    if (known?.releaseId) {
      rows.push({ file: name, outcome: 'skipped', upload: '-', releaseId: known.releaseId, detail: 'requested in an earlier run' });
      return;
    }
    try {
      const sha256 = known?.sha256 ?? (await sha256File(file));
      let uploadId = known?.uploadId ?? (await uploadBySha256(client, sha256))?.id;
      const uploadNote: Row['upload'] = uploadId ? 'known' : 'sent';
      uploadId ??= (await uploadFile(client, file, progress.track(file))).upload.id;
      state.set(file, { sha256, size: stat.size, mtimeMs: stat.mtimeMs, uploadId });
      const upload = await inspected(client, uploadId);
      if (upload.status === 'rejected') throw new Error(`refused: ${upload.error ?? 'unreadable book'}`);
      const { release, created } = await client.json<{ release: Release; created: boolean }>('POST', '/api/releases', { uploadId, options });
      state.set(file, { sha256, size: stat.size, mtimeMs: stat.mtimeMs, uploadId, releaseId: release.id });
      rows.push({ file: name, outcome: 'requested', upload: uploadNote, releaseId: release.id, detail: created ? release.state : 'requested before' });
    } catch (err) {
      const detail = err instanceof ApiError ? `${err.message} (${err.code}, request ${err.requestId ?? '-'})` : (err as Error).message;
      rows.push({ file: name, outcome: 'failed', upload: '-', detail });
    }
    out.event('file', { ...rows[rows.length - 1] });
  });
  progress.stop();

  rows.sort((a, b) => a.file.localeCompare(b.file));
  const count = (o: Outcome) => rows.filter((r) => r.outcome === o).length;
  const summary = { requested: count('requested'), skipped: count('skipped'), failed: count('failed'), ignored: skipped.length };
  out.result({ files: rows, summary, stateFile: state.path }, () =>
    [
      table(['FILE', 'RESULT', 'UPLOAD', 'RELEASE', 'DETAIL'], rows.map((r) => [r.file, r.outcome, r.upload, r.releaseId ?? '', r.detail ?? ''])),
      `${summary.requested} requested, ${summary.skipped} skipped, ${summary.failed} failed, ${summary.ignored} not books`,
    ].join('\n'),
  );
  return summary.failed ? EXIT.failed : EXIT.done;
}
