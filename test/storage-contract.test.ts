import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib from 'node:zlib';
import { PayloadTooLargeError } from '../lib/errors';
import { LocalObjectStore } from '../lib/storage/local-object-store';
import { S3ObjectStore, s3ClientOf } from '../lib/storage/s3-object-store';
import { ObjectNotFoundError, ObjectStore, ReleaseConflictError, ReleaseStore } from '../lib/storage';
import { recordS3Requests, S3Server, startS3Server } from './support/s3-server';
import { childEnv, fromSources } from './support/worker-process';

/**
 * One contract, two stores: the local folder and a real S3-compatible server (s3rver in its own
 * process, reached over HTTP through the AWS SDK). Whatever a test here asserts holds for both.
 */
interface Backend {
  store: ObjectStore;
  /** Writes begun and neither finished nor cleaned up: partial files, or multipart uploads neither completed nor aborted. */
  unfinishedWrites(): string[];
  env: NodeJS.ProcessEnv;
}

const walk = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)])) : [];

const backends: Array<[string, () => Promise<Backend & { close(): Promise<void> }>]> = [
  [
    'local folder',
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-objects-'));
      const root = path.join(dataDir, 'objects');
      return {
        store: new LocalObjectStore(root),
        unfinishedWrites: () => walk(path.join(root, '.partial-objects')),
        env: { DATA_DIR: dataDir, STORAGE: 'local' },
        close: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
      };
    },
  ],
  [
    's3 (s3rver)',
    async () => {
      const server: S3Server = await startS3Server();
      const recorder = await recordS3Requests(server);
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-objects-'));
      const settings = { endpoint: recorder.endpoint, bucket: server.bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true };
      return {
        store: new S3ObjectStore(s3ClientOf(settings), server.bucket),
        // Seen on the wire: each multipart upload created must be completed or aborted.
        unfinishedWrites: () => recorder.unfinishedUploads(),
        env: { DATA_DIR: dataDir, ...server.env },
        close: async () => {
          await recorder.close();
          await server.stop();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  ],
];

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A stream that gives `good` bytes, then fails a moment later (parts are on the server by then), as a dropped client does. */
function failingAfter(good: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(good);
      } else setTimeout(() => this.destroy(new Error('client went away')), 1500);
    },
  });
}

describe.each(backends)('object store contract: %s', (_label, open) => {
  let backend: Backend & { close(): Promise<void> };
  let store: ObjectStore;
  beforeAll(async () => {
    backend = await open();
    store = backend.store;
  }, 60_000);
  afterAll(() => backend?.close());

  it('streams an object in, measuring it on the way, and back out whole or by byte range', async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    const written = await store.put('uploads/a', Readable.from([bytes.subarray(0, 30_000), bytes.subarray(30_000)]));
    expect(written).toEqual({ key: 'uploads/a', size: bytes.length, sha256: sha256(bytes), crc32: zlib.crc32(bytes) });
    expect(await buffer(await store.get('uploads/a'))).toEqual(bytes);
    expect(await buffer(await store.get('uploads/a', { start: 10, end: 19 }))).toEqual(bytes.subarray(10, 20));
    expect(await buffer(await store.get('uploads/a', { start: 69_990 }))).toEqual(bytes.subarray(69_990));
    expect(await store.stat('uploads/a')).toMatchObject({ key: 'uploads/a', size: bytes.length });
  });

  it('replaces an object as a whole and reports missing ones', async () => {
    await store.put('uploads/b', Buffer.from('first version, longer'));
    await store.put('uploads/b', Buffer.from('second'));
    expect((await buffer(await store.get('uploads/b'))).toString()).toBe('second');
    expect(await store.stat('uploads/missing')).toBeUndefined();
    await expect(store.get('uploads/missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.get('uploads')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('lists by prefix in key order, and deletes one object or a whole prefix', async () => {
    for (const key of ['list/x/2', 'list/x/1', 'list/xy', 'list/y/1', 'other/1']) await store.put(key, Buffer.from(key));
    expect((await store.list('list/x/')).map((o) => o.key)).toEqual(['list/x/1', 'list/x/2']);
    expect((await store.list('list/x')).map((o) => o.key)).toEqual(['list/x/1', 'list/x/2', 'list/xy']);
    expect((await store.list('list/')).map((o) => o.size)).toEqual([8, 8, 7, 8]);
    await store.delete('list/xy');
    await store.delete('list/xy');
    expect((await store.list('list/x')).map((o) => o.key)).toEqual(['list/x/1', 'list/x/2']);
    expect(await store.deletePrefix('list/')).toBe(3);
    expect(await store.list('list/')).toEqual([]);
    expect((await store.list('other/')).map((o) => o.key)).toEqual(['other/1']);
  });

  it('refuses keys that could escape the store or alias another', async () => {
    for (const key of ['', '/etc/passwd', '../x', 'a/../b', 'a//b', 'a/./b', 'a\\b']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toThrow(/invalid storage key/);
    }
  });

  it('leaves nothing of an upload past its size limit or of one whose source fails midway', async () => {
    const big = Buffer.alloc(12 * 1024 * 1024, 1); // more than one multipart part
    // Checked as soon as each write has failed: the caller answers then, and nothing may still be
    // pending on the server (an abort sent later was once found unsent).
    await expect(store.put('aborted/too-big', Readable.from([big, big]), { maxBytes: 20 * 1024 * 1024 })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(backend.unfinishedWrites()).toEqual([]);
    await expect(store.put('aborted/dropped', failingAfter(big))).rejects.toThrow('client went away');
    expect(backend.unfinishedWrites()).toEqual([]);
    expect(await store.stat('aborted/too-big')).toBeUndefined();
    expect(await store.stat('aborted/dropped')).toBeUndefined();
    expect(await store.list('aborted/')).toEqual([]);
    // No partial file stays behind, and every multipart upload begun was aborted on the server.
    expect(backend.unfinishedWrites()).toEqual([]);
  });

  describe('publishing releases by manifest', () => {
    let releases: ReleaseStore;
    beforeAll(() => {
      releases = new ReleaseStore(store);
    });

    it('keeps a release invisible until its manifest is committed, then serves exactly its files', async () => {
      const draft = releases.begin('Some.Release-GRP');
      await draft.put('a.zip', 'zip', Buffer.from('zip bytes'));
      await draft.put('b.nfo', 'nfo', Buffer.from('nfo bytes'));
      expect(await releases.committed('Some.Release-GRP')).toBeUndefined();
      await expect(releases.open('Some.Release-GRP', 'a.zip')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect((await releases.uncommitted()).map((u) => u.attempt)).toEqual([draft.attempt]);

      const manifest = await draft.commit();
      expect(manifest.files).toEqual([
        { fileName: 'a.zip', kind: 'zip', size: 9, sha256: sha256(Buffer.from('zip bytes')), crc32: zlib.crc32('zip bytes').toString(16).toUpperCase().padStart(8, '0') },
        expect.objectContaining({ fileName: 'b.nfo', kind: 'nfo', size: 9 }),
      ]);
      expect(await releases.committed('Some.Release-GRP')).toEqual(manifest);
      expect((await buffer(await releases.open('Some.Release-GRP', 'a.zip', { start: 4 }))).toString()).toBe('bytes');
      await expect(releases.open('Some.Release-GRP', 'manifest.json')).rejects.toBeInstanceOf(ObjectNotFoundError);
      expect(await releases.uncommitted()).toEqual([]);
      expect((await releases.storedFiles('Some.Release-GRP'))!.map((f) => [f.fileName, f.kind, f.storedSize])).toEqual([['a.zip', 'zip', 9], ['b.nfo', 'nfo', 9]]);
      expect(await releases.storedFiles('Not.Published-GRP')).toBeUndefined();
    });

    it('lets a rerun adopt its identical twin, refuses anything else under a committed name, and removes all on delete', async () => {
      const rerun = releases.begin('Some.Release-GRP');
      await rerun.put('a.zip', 'zip', Buffer.from('zip bytes'));
      await rerun.put('b.nfo', 'nfo', Buffer.from('nfo bytes'));
      const first = await releases.committed('Some.Release-GRP');
      await expect(rerun.commit(false)).rejects.toBeInstanceOf(ReleaseConflictError);
      expect(await rerun.commit(true)).toEqual(first);
      expect(await releases.uncommitted()).toEqual([]);

      const other = releases.begin('Some.Release-GRP');
      await other.put('a.zip', 'zip', Buffer.from('other bytes'));
      await expect(other.commit(true)).rejects.toThrow(/different release/);
      expect(await releases.committed('Some.Release-GRP')).toEqual(first);
      await other.abort();

      const abandoned = releases.begin('Abandoned.Release-GRP');
      await abandoned.put('a.zip', 'zip', Buffer.from('half'));
      expect((await releases.uncommitted()).map((u) => `${u.name}/${u.attempt}`)).toEqual([`Abandoned.Release-GRP/${abandoned.attempt}`]);
      expect(await releases.removeAttempt('Abandoned.Release-GRP', abandoned.attempt)).toBe(1);

      // A file gone from the store behind the manifest's back is not reported as stored.
      await store.delete(`${releases.attemptPrefix('Some.Release-GRP', first!.attempt)}b.nfo`);
      expect((await releases.storedFiles('Some.Release-GRP'))!.map((f) => f.fileName)).toEqual(['a.zip']);

      await releases.remove('Some.Release-GRP');
      expect(await releases.committed('Some.Release-GRP')).toBeUndefined();
      expect(await store.list('releases/')).toEqual([]);
    });
  });

  it('streams 200 MB in and out of a separate process with flat memory', () => {
    const run = spawnSync(process.execPath, [...fromSources('test/support/stream-object.ts'), 'big/200mb', '200'], {
      env: childEnv({ ...process.env, ...backend.env, NODE_ENV: 'test' }),
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (run.status !== 0) throw new Error(`the streaming process failed: ${run.stderr}`);
    const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { written: { size: number; sha256: string }; readSha256: string; readBytes: number; baselineRssMb: number; peakRssMb: number };
    expect(result.written.size).toBe(200 * 1024 * 1024);
    expect(result.readBytes).toBe(200 * 1024 * 1024);
    expect(result.readSha256).toBe(result.written.sha256);
    // A buffered copy would add 200 MB or more; streaming adds a few 5 MB parts and the SDK (about 80 MB measured).
    console.log(`200 MB through ${_label}: RSS ${result.baselineRssMb} MB before, ${result.peakRssMb} MB at peak`);
    expect(result.peakRssMb - result.baselineRssMb).toBeLessThan(120);
  }, 320_000);
});
