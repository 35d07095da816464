import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { RejectedFileError } from './rejected-file-error';

/** Reads a ZIP's directory and chosen small entries, without extracting the rest. */
export interface ZipReader {
  names: string[];
  /** The first bytes stored for an entry name, or undefined when absent. */
  read(name: string, maxBytes: number): Promise<Buffer | undefined>;
  close(): void;
}

const OPTIONS: yauzl.Options = { lazyEntries: true, autoClose: false, strictFileNames: false, decodeStrings: true };

export function openZip(filePath: string): Promise<ZipReader> {
  return readDirectory((done) => yauzl.open(filePath, OPTIONS, done));
}

/**
 * A ZIP of `size` bytes read through byte ranges (an object in a store): yauzl asks for the
 * directory and the entries it reads, never the whole file. `readRange` streams bytes
 * `start`..`end` inclusive.
 */
export function openZipByRanges(size: number, readRange: (start: number, end: number) => Promise<Readable>): Promise<ZipReader> {
  const reader = new (class extends yauzl.RandomAccessReader {
    override _readStreamForRange(start: number, end: number): Readable {
      const out = new PassThrough();
      if (end <= start) return out.end();
      readRange(start, end - 1).then(
        (source) => pipeline(source, out).catch((err: Error) => out.destroy(err)),
        (err: Error) => out.destroy(err),
      );
      return out;
    }
  })();
  return readDirectory((done) => yauzl.fromRandomAccessReader(reader, size, OPTIONS, done));
}

function readDirectory(open: (done: (err: Error | null, zip?: yauzl.ZipFile) => void) => void): Promise<ZipReader> {
  return new Promise((resolve, reject) => {
    open((err, zip) => {
      if (err || !zip) return reject(new RejectedFileError(`damaged ZIP container (${err?.message ?? 'unreadable'})`));
      const entries = new Map<string, yauzl.Entry>();
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.set(entry.fileName, entry);
        zip.readEntry();
      });
      zip.on('error', (e: Error) => reject(new RejectedFileError(`damaged ZIP container (${e.message})`)));
      zip.on('end', () =>
        resolve({
          names: [...entries.keys()],
          read: (name, maxBytes) => readEntry(zip, entries.get(name), maxBytes),
          close: () => zip.close(),
        }),
      );
      zip.readEntry();
    });
  });
}

function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry | undefined, maxBytes: number): Promise<Buffer | undefined> {
  if (!entry) return Promise.resolve(undefined);
  if (entry.uncompressedSize > maxBytes) {
    return Promise.reject(new RejectedFileError(`${entry.fileName} is larger than ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) return reject(new RejectedFileError(`cannot read ${entry.fileName} (${err?.message ?? 'unreadable'})`));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (e) => reject(new RejectedFileError(`cannot read ${entry.fileName} (${e.message})`)));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}
