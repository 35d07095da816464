import type { Readable } from 'node:stream';

/** One stored object as a listing or a stat sees it. */
export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

/** What a completed write measured on the way (the bytes are hashed while they stream). */
export interface WrittenObject {
  key: string;
  size: number;
  sha256: string;
  crc32: number;
}

/** Inclusive byte range, as HTTP `Range: bytes=start-end`; `end` defaults to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * Where uploads, release files and manifests live: a local folder or an S3-compatible bucket.
 * Keys are `/`-separated relative paths (`uploads/<id>`, `releases/<name>/...`). A write is
 * all-or-nothing: until `put` resolves nothing is visible under the key, and a failed or
 * aborted write leaves nothing behind. Reads stream, so memory stays flat whatever the size.
 */
export interface ObjectStore {
  readonly kind: 'local' | 's3';
  /** Streams `source` in, hashing on the way; more than `maxBytes` fails the write (PayloadTooLargeError). */
  put(key: string, source: Readable | Buffer, options?: { maxBytes?: number }): Promise<WrittenObject>;
  /** Streams the object (or one range of it) out; ObjectNotFoundError when it does not exist. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Undefined when the object does not exist. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Removes the object; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /** Removes every object under `prefix`; returns how many went. */
  deletePrefix(prefix: string): Promise<number>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored object ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** Refuses keys that could escape the store or alias another key (absolute, `..`, empty segments). */
export function checkKey(key: string): string {
  const segments = key.split('/');
  if (!key || key.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..') || key.includes('\0') || key.includes('\\')) {
    throw new Error(`invalid storage key "${key}"`);
  }
  return key;
}
