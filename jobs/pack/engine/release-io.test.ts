import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { mountSmallDisk } from '../../../test/support/small-disk';
import { fileSink, streamSink, streamSource } from './release-io';

/**
 * The object-store side of the packer's I/O against real streams: a book read from file streams
 * opened at an offset (as a ranged GET is), and files written into a stream that a consumer (as a
 * multipart upload does) takes to a real file, stops taking early, or is made to give up.
 */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-release-io-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('streamSource', () => {
  it('serves sequential reads from one stream, opens a new one where a read jumps, gives fewer bytes at the end and none past it', async () => {
    const book = randomBytes(300_000);
    const file = path.join(dir, 'book');
    fs.writeFileSync(file, book);
    const opened: { start: number; stream: Readable }[] = [];
    const source = streamSource(async (start) => {
      const stream = fs.createReadStream(file, { start, highWaterMark: 64 * 1024 });
      opened.push({ start, stream });
      return stream;
    });
    const read = async (position: number, length: number) => {
      const target = Buffer.alloc(length);
      const got = await source.read(target, position);
      return target.subarray(0, got);
    };

    expect(await read(0, 1000)).toEqual(book.subarray(0, 1000));
    expect(await read(1000, 100_000)).toEqual(book.subarray(1000, 101_000));
    expect(opened.map((o) => o.start)).toEqual([0]);
    // A jump: the first stream is given up, what it had buffered dropped, and a new one opened there.
    expect(await read(200_000, 1000)).toEqual(book.subarray(200_000, 201_000));
    expect(opened.map((o) => o.start)).toEqual([0, 200_000]);
    expect(opened[0].stream.destroyed).toBe(true);
    expect(await read(295_000, 10_000)).toEqual(book.subarray(295_000));
    expect(await read(300_000, 10_000)).toEqual(Buffer.alloc(0));
    expect(opened.map((o) => o.start)).toEqual([0, 200_000, 295_000]);
    await source.close();
    expect(opened.every((o) => o.stream.destroyed)).toBe(true);
  });
});

describe('streamSink', () => {
  it('writes every chunk in order, each copied before the caller reuses its buffer, waiting while the stream is full', async () => {
    const file = path.join(dir, 'sunk');
    const sink = streamSink((stream) => pipeline(stream, fs.createWriteStream(file)));
    const chunk = Buffer.alloc(64 * 1024);
    const expected: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      chunk.fill(i); // one buffer, reused for every write (the packer's chunk slots are)
      await sink.write(chunk);
      expected.push(Buffer.from(chunk));
    }
    await sink.finish();
    expect(fs.readFileSync(file).equals(Buffer.concat(expected))).toBe(true);
  });

  it('fails the writes once the consumer stops taking the stream before its end', async () => {
    const sink = streamSink(async (stream) => {
      await once(stream, 'readable');
      stream.read(); // takes what is there, then returns without waiting for the end
    });
    const chunk = randomBytes(64 * 1024);
    let failure: unknown;
    for (let i = 0; i < 20 && !failure; i++) await sink.write(chunk).catch((err) => (failure = err));
    expect(failure).toEqual(new Error('the stream was consumed before it was finished'));
    await expect(sink.finish()).rejects.toThrow('the stream was consumed before it was finished');
  });

  it('abort gives the file up: the consumer sees its stream fail and abort waits for it', async () => {
    const file = path.join(dir, 'given-up');
    let consumed: Promise<unknown> | undefined;
    const sink = streamSink((stream) => (consumed = pipeline(stream, fs.createWriteStream(file))));
    await sink.write(randomBytes(1000));
    await sink.abort();
    await expect(consumed).rejects.toThrow(/^the file was given up$/);
  });
});

describe('fileSink', () => {
  it('writes what a nearly full disk takes in part, then fails with the disk error rather than keep a short file', async () => {
    // A tmpfs of its own with one page left: a write of more than a page is taken in part.
    const disk = mountSmallDisk('64k');
    try {
      const { bsize } = fs.statfsSync(disk.path);
      fs.writeFileSync(path.join(disk.path, 'filler'), Buffer.alloc(disk.freeBytes() - bsize));
      const sink = await fileSink(path.join(disk.path, 'volume.zip'));
      await expect(sink.write(randomBytes(bsize + 904))).rejects.toMatchObject({ code: 'ENOSPC' });
      await sink.abort();
      // The page it had room for holds the chunk's first bytes, written where they belong.
      expect(fs.statSync(path.join(disk.path, 'volume.zip')).size).toBe(bsize);
    } finally {
      disk.remove();
    }
  });
});
