import { createHash, Hash } from 'node:crypto';
import { Transform, TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { PayloadTooLargeError } from './errors';

/**
 * Pass-through that counts bytes and computes SHA-256 and CRC32 on the way, optionally failing
 * as soon as more than `maxBytes` have passed.
 */
export class ChecksumStream extends Transform {
  size = 0;
  private crc = 0;
  private readonly sha: Hash = createHash('sha256');

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.size + chunk.length > this.maxBytes) return done(new PayloadTooLargeError(this.maxBytes));
    this.update(chunk);
    done(null, chunk);
  }

  /** For callers that read the bytes themselves instead of piping. */
  update(chunk: Buffer): void {
    this.size += chunk.length;
    this.sha.update(chunk);
    this.crc = zlib.crc32(chunk, this.crc);
  }

  /** Call once, after the last byte. */
  result(): { size: number; sha256: string; crc32: number } {
    return { size: this.size, sha256: this.sha.digest('hex'), crc32: this.crc };
  }
}
