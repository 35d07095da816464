import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { ChecksumStream } from './checksum-stream';

export const PARTIAL_DIR = '.partial';

export interface ReceivedFile {
  tempPath: string;
  size: number;
  sha256: string;
}

/**
 * Streams into `<dir>/.partial/<random>` while measuring; the partial file is removed on any
 * failure. Callers publish it with `publish` (a rename, so readers never see half a file).
 */
export async function receiveToPartial(source: Readable, dir: string, maxBytes: number): Promise<ReceivedFile> {
  // Until the pipeline below owns the source, its error must not go unhandled (the pipeline
  // still sees it: a destroyed source makes it fail).
  source.on('error', () => {});
  const partialDir = path.join(dir, PARTIAL_DIR);
  try {
    await fsp.mkdir(partialDir, { recursive: true });
  } catch (err) {
    source.destroy();
    throw err;
  }
  const tempPath = path.join(partialDir, randomUUID());
  const meter = new ChecksumStream(maxBytes);
  const out = fs.createWriteStream(tempPath, { flags: 'wx', mode: 0o640 });
  try {
    await pipeline(source, meter, out);
  } catch (err) {
    // The file may still be opening: remove it only once its descriptor is closed.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await fsp.rm(tempPath, { force: true });
    throw err;
  }
  const { size, sha256 } = meter.result();
  return { tempPath, size, sha256 };
}

/**
 * Where a streamed file goes: `receive` takes it in while measuring (more than `maxBytes` fails,
 * and any failure leaves nothing behind); `discard` undoes a file that was received completely.
 */
export interface FileSink<R> {
  receive(source: Readable, maxBytes: number): Promise<R>;
  discard(received: R): Promise<void>;
}

/** Files received into `<dir>/.partial/` (see `receiveToPartial`). */
export function partialFileSink(dir: string): FileSink<ReceivedFile> {
  return { receive: (source, maxBytes) => receiveToPartial(source, dir, maxBytes), discard: (file) => discard(file.tempPath) };
}

export async function publish(tempPath: string, finalPath: string): Promise<void> {
  await fsp.mkdir(path.dirname(finalPath), { recursive: true });
  await fsp.rename(tempPath, finalPath);
}

export async function discard(filePath: string): Promise<void> {
  await fsp.rm(filePath, { force: true, recursive: true });
}
