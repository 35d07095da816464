import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import yazl from 'yazl';
import { SAMPLE_FACTS } from '../fixtures/sample-pack';
import { crc32Combine } from './crc32-combine';
import { packRelease } from './pack-release';
import { planStoredZip } from './stored-zip';
import { fileSink, fileSource } from './release-io';
import { ZipVolumeWriter } from './zip-volume-writer';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-stored-zip-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const mtime = new Date(2026, 10, 24);

/** What the packer wrote with yazl before: the reference the direct writer must equal byte for byte. */
async function yazlZip(files: { name: string; data: Buffer }[], payload: { name: string; data: Buffer }): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const entry = { mtime, mode: 0o100644, compress: false, forceDosTimestamp: true };
  for (const f of files) zip.addBuffer(f.data, f.name, entry);
  const { PassThrough } = await import('node:stream');
  const stream = new PassThrough();
  zip.addReadStream(stream, payload.name, { ...entry, size: payload.data.length });
  stream.end(payload.data);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('crc32Combine', () => {
  it('gives the CRC-32 of a concatenation from the pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        expect(crc32Combine(zlib.crc32(a), zlib.crc32(b), b.length)).toBe(zlib.crc32(Buffer.concat([a, b])));
      }),
    );
  });
});

describe('crc32Combine of an empty second piece', () => {
  it('is the first piece\'s CRC-32 unchanged', () => {
    const a = zlib.crc32(Buffer.from('the first piece'));
    expect(crc32Combine(a, 0, 0)).toBe(a);
  });
});

describe('planStoredZip', () => {
  /** The DOS time and date fields of the payload's local header (offsets 10 and 12). */
  const dosFields = (when: Date) => {
    const { head } = planStoredZip([], { name: 'p', size: 1 }, when);
    return { time: head.readUInt16LE(10), date: head.readUInt16LE(12) };
  };

  it('writes local time as DOS fields (two-second steps), clamped to the years they can hold (1980-2107)', () => {
    expect(dosFields(new Date(2026, 10, 24, 13, 45, 37))).toEqual({ time: (13 << 11) | (45 << 5) | 18, date: 24 | (11 << 5) | (46 << 9) });
    expect(dosFields(new Date(1975, 5, 6, 7, 8, 9))).toEqual({ time: 0, date: 1 | (1 << 5) });
    expect(dosFields(new Date(2200, 0, 1))).toEqual({ time: (23 << 11) | (59 << 5) | 29, date: 31 | (12 << 5) | (127 << 9) });
  });

  it('refuses a payload too large for a plain (non-ZIP64) zip, and takes the largest that fits', () => {
    expect(planStoredZip([], { name: 'p', size: 0xfffffffe }, mtime).size).toBe(30 + 1 + 0xfffffffe + 16 + 46 + 1 + 22);
    expect(() => planStoredZip([], { name: 'p', size: 0xffffffff }, mtime)).toThrow(new RangeError('a 4294967295-byte volume payload needs ZIP64'));
  });
});

describe('ZipVolumeWriter with planStoredZip', () => {
  it.each([
    ['a small book hashed on this thread', 300_000],
    ['a large book hashed in worker threads', 17 * 1024 * 1024 + 5],
  ])('writes the same bytes as yazl, with the right checksums, for %s', async (_label, bytes) => {
    const book = randomBytes(bytes);
    const bookPath = path.join(dir, `book-${bytes}`);
    fs.writeFileSync(bookPath, book);
    const texts = [
      { name: 'FILE_ID.DIZ', data: Buffer.from('disk 01/02\r\n') },
      { name: 'esaw12.nfo', data: Buffer.from('an nfo\r\n') },
    ];
    const writer = await ZipVolumeWriter.open(await fileSource(bookPath), bytes, true);
    try {
      const firstBytes = Math.floor(bytes / 3);
      for (const [i, part] of [book.subarray(0, firstBytes), book.subarray(firstBytes)].entries()) {
        const zipPath = path.join(dir, `v${bytes}-${i}.zip`);
        const files = i === 0 ? texts : texts.slice(0, 1);
        const sums = await writer.write(await fileSink(zipPath), planStoredZip(files, { name: `part${i}.epub`, size: part.length }, mtime), part.length, () => undefined);
        const onDisk = fs.readFileSync(zipPath);
        expect(onDisk.equals(await yazlZip(files, { name: `part${i}.epub`, data: part }))).toBe(true);
        expect(sums).toEqual({ size: onDisk.length, crc32: zlib.crc32(onDisk), sha256: sha(onDisk) });
      }
      expect(await writer.source()).toEqual({ size: bytes, sha256: sha(book), crc32: zlib.crc32(book) });
    } finally {
      await writer.close();
    }
  });

  /** A book of `bytes` random bytes in a file, and a writer over it planned for `plannedBytes`, closed afterwards. */
  async function withWriter(name: string, bytes: number, plannedBytes: number, use: (writer: ZipVolumeWriter) => Promise<void>): Promise<void> {
    const bookPath = path.join(dir, name);
    fs.writeFileSync(bookPath, randomBytes(bytes));
    const writer = await ZipVolumeWriter.open(await fileSource(bookPath), plannedBytes, true);
    try {
      await use(writer);
    } finally {
      await writer.close();
    }
  }

  /** A volume sink standing for a disk that fails: writes fail once `failAfter` bytes are in, or finishing fails. */
  function failingSink(failAfter: number, finishError?: Error) {
    const sink = {
      written: 0,
      aborted: false,
      finished: false,
      async write(chunk: Buffer) {
        if (sink.written + chunk.length > failAfter) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        sink.written += chunk.length;
      },
      async finish() {
        if (finishError) throw finishError;
        sink.finished = true;
      },
      async abort() {
        sink.aborted = true;
      },
    };
    return sink;
  }

  it.each([
    ['a small book hashed on this thread', 300_000],
    ['a large book hashed in worker threads', 17 * 1024 * 1024 + 5],
  ])('raises a failed volume write as it is and gives the volume up, for %s', (_label, bytes) =>
    withWriter(`fails-${bytes}`, bytes, bytes, async (writer) => {
      const sink = failingSink(bytes / 2);
      await expect(writer.write(sink, planStoredZip([], { name: 'p', size: bytes }, mtime), bytes, () => undefined)).rejects.toThrow('no space left on device');
      expect(sink).toMatchObject({ aborted: true, finished: false });
    }),
  );

  it('raises a volume whose bytes could not be made lasting when waiting for the volumes, not before', () =>
    withWriter('finish-fails', 1000, 1000, async (writer) => {
      const sink = failingSink(Infinity, new Error('the disk went away'));
      const sums = await writer.write(sink, planStoredZip([], { name: 'p', size: 1000 }, mtime), 1000, () => undefined);
      expect(sums.size).toBe(sink.written);
      expect(sink.aborted).toBe(false);
      await expect(writer.flushed()).rejects.toThrow('the disk went away');
    }));

  it('refuses a book shorter than planned', () =>
    withWriter('short', 1000, 2000, async (writer) => {
      const layout = planStoredZip([], { name: 'p', size: 2000 }, mtime);
      await expect(writer.write(await fileSink(path.join(dir, 'short.zip')), layout, 2000, () => undefined)).rejects.toThrow(/shorter than expected/);
    }));
});

describe('packRelease with a trusted SHA-256 of the book', () => {
  it('reports the recorded digest instead of hashing the book again, and still verifies an expected one', async () => {
    const book = randomBytes(200_000);
    const bookPath = path.join(dir, 'trusted');
    fs.writeFileSync(bookPath, book);
    const recorded = 'f'.repeat(64);
    const result = await packRelease({ sourcePath: bookPath, releasesDir: path.join(dir, 'rel-trusted'), facts: SAMPLE_FACTS, knownSha256: recorded });
    expect(result.source).toEqual({ size: book.length, sha256: recorded, crc32: zlib.crc32(book).toString(16).toUpperCase().padStart(8, '0') });
    for (const f of result.files) expect(sha(fs.readFileSync(path.join(result.dir, f.fileName)))).toBe(f.sha256);
    await expect(packRelease({ sourcePath: bookPath, releasesDir: path.join(dir, 'rel-checked'), facts: SAMPLE_FACTS, knownSha256: recorded, expectedSha256: recorded })).rejects.toThrow(/no longer matches/);
  });
});
