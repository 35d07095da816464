import fsp, { FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type { PackedFile } from './pack-release';

/**
 * The packer's I/O, kept apart from what it writes: it reads the book from a `BookSource`, writes
 * each file of the release in order into a `VolumeSink`, and publishes through a `ReleaseAttempt`.
 * Local folders: a file handle, files written in place and a folder published by rename
 * (`localReleases` in `pack-release.ts`). Object store: one ranged GET, multipart uploads under a staging prefix and
 * a manifest written last (`stored-release.ts`). Nothing here holds more than a few chunks.
 */

/** The book, read by position. The packer reads it once, front to back, one chunk after another. */
export interface BookSource {
  /** Fills `target` from `position` on; fewer bytes only at the end of the book (0 past it). */
  read(target: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
}

/** One file of the release, written strictly in order. */
export interface VolumeSink {
  /** Appends `chunk` after everything written before; once it resolves the caller may reuse the buffer. */
  write(chunk: Buffer): Promise<void>;
  /** Every byte is written and lasting (on the disk, or uploaded); the sink is closed either way. */
  finish(): Promise<void>;
  /** Gives the file up: nothing of it is kept where readers look. */
  abort(): Promise<void>;
}

/** One attempt at publishing a release: its files are written, then published together or discarded. */
export interface ReleaseAttempt {
  /** Starts one file of the release. */
  create(fileName: string, kind: PackedFile['kind']): Promise<VolumeSink>;
  /**
   * Publishes every file written (`files`, as measured while writing) and the SFV, all at once. An
   * existing release of that name is adopted only when `adoptExisting` (a rerun of the release that
   * owns the name) and only if it holds exactly these files; anything else fails with a PackError.
   */
  publish(files: PackedFile[], sfv: Buffer, adoptExisting: boolean): Promise<void>;
  /** Removes whatever this attempt wrote (after a failure; a leftover is the reconciler's). */
  discard(): Promise<void>;
}

/** Begins the attempt that publishes the release `name`. */
export type BeginRelease = (name: string) => Promise<ReleaseAttempt>;

/** The book as a local file. */
export async function fileSource(filePath: string): Promise<BookSource> {
  const handle = await fsp.open(filePath, 'r');
  return {
    read: async (target, position) => (await handle.read(target, 0, target.length, position)).bytesRead,
    close: () => handle.close(),
  };
}

/**
 * The book as a stream from `open(start)` (a ranged GET from `start` to the end): one stream
 * serves every sequential read; a read elsewhere (never done by the packer) opens a new one there.
 */
export function streamSource(open: (start: number) => Promise<Readable>): BookSource {
  let chunks: AsyncIterator<Buffer> | undefined;
  let pending: Buffer = Buffer.alloc(0);
  let at = 0;
  const stop = async () => {
    await chunks?.return?.();
    chunks = undefined;
    pending = Buffer.alloc(0);
  };
  return {
    async read(target, position) {
      if (!chunks || position !== at) {
        await stop();
        chunks = (await open(position))[Symbol.asyncIterator]();
        at = position;
      }
      let filled = 0;
      while (filled < target.length) {
        if (pending.length === 0) {
          const next = await chunks.next();
          if (next.done) break;
          pending = next.value;
        }
        const copied = pending.copy(target, filled);
        pending = pending.subarray(copied);
        filled += copied;
      }
      at += filled;
      return filled;
    },
    close: stop,
  };
}

/**
 * A file written in place: positional writes (several may be in flight; each takes the next
 * offset when called), fsync'ed and closed by `finish`.
 */
export async function fileSink(filePath: string): Promise<VolumeSink> {
  const handle: FileHandle = await fsp.open(filePath, 'wx');
  let offset = 0;
  return {
    write: async (chunk) => {
      const at = offset;
      offset += chunk.length;
      // A write may take fewer bytes than given (a nearly full disk takes what fits in its last
      // page); the rest is written after it, where it then fails with the disk's error.
      for (let written = 0; written < chunk.length; ) {
        written += (await handle.write(chunk, written, chunk.length - written, at + written)).bytesWritten;
      }
    },
    finish: () => handle.sync().finally(() => handle.close()),
    abort: () => handle.close(),
  };
}

/**
 * A file written as one stream that `consume` takes in (a multipart upload). Writes go in one
 * after another, each chunk copied as it goes in (the caller reuses its buffer once the write
 * resolves), and wait while the stream is full, so a copy or two is all the sink adds to what
 * `consume` buffers. A failure of `consume` fails the next
 * write or `finish`; `abort` destroys the stream, which makes `consume` give up (and abort the upload).
 */
export function streamSink(consume: (stream: Readable) => Promise<unknown>): VolumeSink {
  const stream = new PassThrough();
  const consumed = consume(stream);
  consumed.catch(() => undefined);
  const ended = consumed.then(() => {
    throw new Error('the stream was consumed before it was finished');
  });
  ended.catch(() => undefined);
  let tail: Promise<void> = Promise.resolve();
  const push = async (chunk: Buffer) => {
    if (stream.write(chunk)) return;
    await Promise.race([once(stream, 'drain'), ended]);
  };
  return {
    write(chunk) {
      // Copied only when its turn comes: until this write resolves the caller keeps the buffer as it is.
      tail = tail.then(() => push(Buffer.from(chunk)));
      return tail;
    },
    async finish() {
      await tail;
      stream.end();
      await consumed;
    },
    async abort() {
      stream.destroy(new Error('the file was given up'));
      await consumed.catch(() => undefined);
    },
  };
}
