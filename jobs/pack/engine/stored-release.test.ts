import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadConfig } from '../../../lib/config';
import { ObjectStore, ReleaseStore } from '../../../lib/storage';
import { remoteStorage } from '../../stored-files';
import { generatedBytes } from '../../../test/support/generated-bytes';
import { S3Server, startS3Server } from '../../../test/support/s3-server';
import { SAMPLE_FACTS } from '../fixtures/sample-pack';
import { packRelease, packReleaseWith, PackOptions } from './pack-release';
import { storedPackIo } from './stored-release';

/**
 * Packing into the object store in this process, against a real S3-compatible server (s3rver):
 * what the store measured of every file is checked against what the packer wrote before the
 * release is committed, and the committed manifest names each file with its kind.
 */
jest.setTimeout(120_000);

let s3: S3Server;
let work: string;
let objects: ObjectStore;
const BOOK = 'uploads/stored-release-test-book';
beforeAll(async () => {
  s3 = await startS3Server();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-stored-release-'));
  objects = remoteStorage(loadConfig({ ...s3.env, DATA_DIR: path.join(work, 'data'), NODE_ENV: 'test' }))!.objects;
  await objects.put(BOOK, generatedBytes(12));
}, 60_000);
afterAll(async () => {
  await s3?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

const options = (name: string): PackOptions => ({ volumeSizeMb: 5, facts: { ...SAMPLE_FACTS, name } });

/** The real store, except that the files `damaged` picks arrive with their first byte changed (a fault on the way in). */
function damagingStore(damaged: (key: string) => boolean): ObjectStore {
  const flipFirstByte = () => {
    let first = true;
    return new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (first && chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[0] ^= 0xff;
          first = false;
        }
        done(null, chunk);
      },
    });
  };
  return Object.create(objects, {
    put: {
      value: (key: string, source: Readable | Buffer, opts?: { maxBytes?: number }) =>
        objects.put(key, damaged(key) ? (Buffer.isBuffer(source) ? Readable.from([source]) : source).pipe(flipFirstByte()) : source, opts),
    },
  });
}

it('commits a release whose manifest names every file with its kind, byte for byte what the local packer writes', async () => {
  const name = 'Sample.Author.Stored.Kinds.2024.RETAiL.ePub.eBook-ESP';
  const releases = new ReleaseStore(objects);
  const packed = await packReleaseWith(options(name), await storedPackIo(releases, BOOK));
  const manifest = (await releases.committed(name))!;
  const kinds = Object.fromEntries(manifest.files.map((f) => [f.fileName, f.kind]));
  expect(kinds).toEqual({ 'esst24.nfo': 'nfo', 'esst2401.zip': 'zip', 'esst2402.zip': 'zip', 'esst2403.zip': 'zip', 'file_id.diz': 'diz', [`${name}.sfv`]: 'sfv' });
  const downloaded = fs.mkdtempSync(path.join(work, 'downloaded-'));
  for (const file of manifest.files) await pipeline(await releases.open(name, file.fileName), fs.createWriteStream(path.join(downloaded, file.fileName)));
  execFileSync('cksfv', ['-q', '-C', downloaded, '-f', path.join(downloaded, `${name}.sfv`)]);

  const book = path.join(work, 'book');
  await pipeline(await objects.get(BOOK), fs.createWriteStream(book));
  const local = await packRelease({ ...options(name), sourcePath: book, releasesDir: path.join(work, 'releases') });
  expect(packed.files).toEqual(local.files);
});

it('refuses to commit when the store received other bytes than were packed, naming the files, and leaves nothing', async () => {
  const name = 'Sample.Author.Stored.Damaged.2024.RETAiL.ePub.eBook-ESP';
  const releases = new ReleaseStore(damagingStore((key) => /0[13]\.zip$/.test(key)));
  await expect(packReleaseWith(options(name), await storedPackIo(releases, BOOK))).rejects.toThrow(
    /^the store received other bytes than were packed for esst2401\.zip, esst2403\.zip$/,
  );
  expect(await releases.committed(name)).toBeUndefined();
  expect(await objects.list(`releases/${name}/`)).toEqual([]);
});
