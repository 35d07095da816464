import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../../lib/config';
import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { ObjectNotFoundError } from '../../lib/storage';
import { remoteStorage, uploadKey } from '../stored-files';
import { uploadPath } from '../storage-paths';
import { containerOf, HEAD_BYTES } from './detect-format';
import { readBook, readZipBook } from './read-book';
import { openZipByRanges } from './zip-reader';

// Apart from jobs/stored-files.ts so that the processes which only store uploads (the API) do not
// load the book readers and their language detection (tinyld alone holds about 45 MB).
type StorageConfig = Pick<Config, 'storage' | 'objectStorage'>;

/**
 * Identifies the upload and reads its metadata (jobs/inspect/read-book.ts). In the object store an
 * EPUB or CBZ is read where it lies, by byte ranges (its head, the ZIP directory and the few entries
 * the readers open); a PDF or MOBI, whose readers need a file, is copied to scratch first.
 */
export async function readUploadedBook(config: StorageConfig, uploadId: string): Promise<EmbeddedMetadata> {
  const remote = remoteStorage(config);
  if (!remote) return readBook(uploadPath(config, uploadId));
  const key = uploadKey(uploadId);
  const stored = await remote.objects.stat(key);
  if (!stored) throw new ObjectNotFoundError(key);
  const head = stored.size > 0 ? await buffer(await remote.objects.get(key, { start: 0, end: Math.min(stored.size, HEAD_BYTES) - 1 })) : Buffer.alloc(0);
  if (containerOf(head) !== 'zip') return withUploadFile(config, uploadId, readBook);
  return readZipBook(await openZipByRanges(stored.size, (start, end) => remote.objects.get(key, { start, end })));
}

/**
 * Runs `use` on the upload as a local file: the stored file itself, or a private temporary copy
 * streamed from the object store into a scratch folder under TMPDIR (the book readers seek in it),
 * removed afterwards.
 */
async function withUploadFile<T>(config: StorageConfig, uploadId: string, use: (filePath: string) => Promise<T>): Promise<T> {
  const remote = remoteStorage(config);
  if (!remote) return use(uploadPath(config, uploadId));
  const scratch = await fsp.mkdtemp(path.join(os.tmpdir(), 'esp-scratch-'));
  try {
    const copy = path.join(scratch, 'book');
    await pipeline(await remote.objects.get(uploadKey(uploadId)), fs.createWriteStream(copy, { flags: 'wx', mode: 0o600 }));
    return await use(copy);
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true });
  }
}
