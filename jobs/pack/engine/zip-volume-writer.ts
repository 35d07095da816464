import zlib from 'node:zlib';
import { BytePacer } from '../../../lib/byte-pacer';
import { crc32Combine } from './crc32-combine';
import type { BookSource, VolumeSink } from './release-io';
import { inlineSha256, Sha256Sink, threadedSha256 } from './sha256-sink';
import type { StoredZipLayout } from './stored-zip';

/**
 * Writes the ZIP volumes of a book in one pass over it: each chunk of the book is read once into a
 * shared buffer, CRC-32'd once on this thread (the zip entry's CRC; the zip's and the book's CRCs
 * are combined from it, never re-read), SHA-256'd for the zip and, unless its digest is trusted,
 * for the book (in worker threads for large books) and handed to the volume's sink in order, with
 * a few chunks in flight so reading, hashing and writing overlap. Each volume is written strictly
 * front to back (head, payload, trailer), so the sink may be a file or an upload stream. Memory
 * stays at `SLOTS * CHUNK_BYTES` (plus what the sink buffers) whatever the size of the book.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
const SLOTS = 4;
/** Below this the hashing stays on this thread: a few milliseconds at most, less than starting threads. */
const THREADED_HASH_MIN_BYTES = 16 * 1024 * 1024;

export class ShortBookError extends Error {}

/** Fixed shared buffers handed out in turn; a chunk's buffer comes back once its work is done. */
class ChunkSlots {
  private readonly free: Buffer[];
  private readonly waiting: ((slot: Buffer) => void)[] = [];

  constructor(count: number, bytes: number) {
    this.free = Array.from({ length: count }, () => Buffer.from(new SharedArrayBuffer(bytes)));
  }

  acquire(): Promise<Buffer> {
    const slot = this.free.pop();
    return slot ? Promise.resolve(slot) : new Promise((resolve) => this.waiting.push(resolve));
  }

  release(slot: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.free.push(slot);
  }
}

export interface VolumeChecksums {
  size: number;
  crc32: number;
  sha256: string;
}

/** The writer of one release's volumes: opens the book (if any) and the hashers once for all volumes. */
export class ZipVolumeWriter {
  private position = 0;
  private readonly flushes: Promise<void>[] = [];
  private sourceCrc = 0;
  private readonly slots: ChunkSlots;

  private constructor(
    private readonly book: BookSource | undefined,
    private readonly bookSha: Sha256Sink | undefined,
    private readonly zipSha: Sha256Sink,
    private readonly bookBytes: number,
    private readonly pacer: BytePacer,
  ) {
    // A small book needs one buffer of its own size, not four of the full chunk size.
    const chunk = Math.max(1, Math.min(CHUNK_BYTES, bookBytes));
    this.slots = new ChunkSlots(Math.min(SLOTS, Math.ceil(Math.max(1, bookBytes) / chunk)), chunk);
  }

  /**
   * `hashBook`: also SHA-256 the book itself (not needed when its digest is already known and trusted);
   * `maxBytesPerSecond`: read the book no faster than this (no cap when 0 or not given).
   */
  static async open(book: BookSource | undefined, bookBytes: number, hashBook: boolean, maxBytesPerSecond?: number): Promise<ZipVolumeWriter> {
    const sha256 = book !== undefined && bookBytes >= THREADED_HASH_MIN_BYTES ? threadedSha256 : inlineSha256;
    return new ZipVolumeWriter(book, hashBook ? sha256() : undefined, sha256(), bookBytes, new BytePacer(maxBytesPerSecond));
  }

  /**
   * Writes one zip into `out`: the layout's head, `payloadBytes` of the book from where the last
   * volume stopped, its trailer. The sink is finished (or aborted on failure) by the writer.
   */
  async write(out: VolumeSink, layout: StoredZipLayout, payloadBytes: number, onBytes: (done: number) => void): Promise<VolumeChecksums> {
    let flushing = false;
    try {
      await out.write(layout.head);
      await this.zipSha.update(layout.head);
      const payloadCrc = this.book ? await this.copyPayload(out, payloadBytes, onBytes) : 0;
      const trailer = layout.trailer(payloadCrc);
      await out.write(trailer);
      await this.zipSha.update(trailer);
      const withPayload = crc32Combine(zlib.crc32(layout.head), payloadCrc, this.book ? payloadBytes : 0);
      const sums = { size: layout.size, crc32: crc32Combine(withPayload, zlib.crc32(trailer), trailer.length), sha256: await this.zipSha.digest() };
      // The disk writes this volume back (or the upload completes) while the next one is built; `flushed()` waits for it.
      const flush = out.finish();
      flush.catch(() => undefined);
      this.flushes.push(flush);
      flushing = true;
      return sums;
    } finally {
      if (!flushing) await out.abort();
    }
  }

  /** Every volume written so far is on the disk or uploaded (its first failure, such as a full disk, is raised). */
  async flushed(): Promise<void> {
    await Promise.all(this.flushes);
  }

  /** The book as read so far: bytes, SHA-256 (when hashed) and CRC-32 (combined from its volumes' parts). */
  async source(): Promise<{ size: number; sha256?: string; crc32: number }> {
    return { size: this.position, sha256: await this.bookSha?.digest(), crc32: this.sourceCrc };
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.flushes);
    await Promise.all([this.book?.close(), this.bookSha?.close(), this.zipSha.close()]);
  }

  private async copyPayload(out: VolumeSink, bytes: number, onBytes: (done: number) => void): Promise<number> {
    const book = this.book as BookSource;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    let crc = 0;
    let done = 0;
    try {
      while (done < bytes) {
        if (failure) break;
        const slot = await this.slots.acquire();
        const bytesRead = await book.read(slot.subarray(0, Math.min(slot.length, bytes - done)), this.position).catch((err) => {
          this.slots.release(slot);
          throw err;
        });
        if (bytesRead === 0) {
          this.slots.release(slot);
          throw new ShortBookError(`the book is shorter than expected (${this.position} of ${this.bookBytes} bytes)`);
        }
        const chunk = slot.subarray(0, bytesRead);
        crc = zlib.crc32(chunk, crc);
        const work: Promise<void> = Promise.all([this.bookSha?.update(chunk), this.zipSha.update(chunk), out.write(chunk)])
          .then(
            () => undefined,
            (err: unknown) => void (failure ??= err),
          )
          .finally(() => {
            this.slots.release(slot);
            inFlight.delete(work);
          });
        inFlight.add(work);
        this.position += bytesRead;
        done += bytesRead;
        onBytes(done);
        await this.pacer.paced(bytesRead);
      }
    } finally {
      // Every chunk's write and hashing settle before the file is closed or the error is raised.
      await Promise.all(inFlight);
    }
    if (failure) throw failure;
    this.sourceCrc = crc32Combine(this.sourceCrc, crc, done);
    return crc;
  }
}
