import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { loadConfig } from '../lib/config';
import { createLogger, Logger } from '../lib/logger';
import { startS3Server, S3Server } from '../test/support/s3-server';
import { SAMPLE_FACTS } from './pack/fixtures/sample-pack';
import { PackError } from './pack/engine/pack-release';
import { keepReceivedUpload, keepRepeatIfLost, packStored, remoteStorage, uploadKey, uploadSink } from './stored-files';
import { uploadPath } from './storage-paths';

/**
 * A repeat of an upload whose stored file is gone puts it back, in a local folder and in a real
 * S3-compatible store (s3rver); while the stored file is there, the repeat is dropped.
 */
const BOOK = Buffer.from('%PDF-1.4 the same bytes twice');

describe.each(['local folder', 's3 (s3rver)'])('keepRepeatIfLost, %s', (store) => {
  let dataDir: string;
  let s3: S3Server | undefined;
  let config: ReturnType<typeof loadConfig>;
  let logger: Logger;
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-stored-'));
    s3 = store === 'local folder' ? undefined : await startS3Server();
    config = loadConfig({ DATA_DIR: dataDir, ...(s3?.env ?? {}) });
    logger = createLogger(config);
  });
  afterAll(async () => {
    await s3?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const receive = () => uploadSink(config, logger).receive(Readable.from([BOOK]), 1024);
  /** The stored file of an upload, or undefined when it is gone. */
  const storedBytes = async (uploadId: string) => {
    const remote = remoteStorage(config);
    if (!remote) return fs.existsSync(uploadPath(config, uploadId)) ? fs.readFileSync(uploadPath(config, uploadId)) : undefined;
    return (await remote.objects.stat(uploadKey(uploadId))) ? buffer(await remote.objects.get(uploadKey(uploadId))) : undefined;
  };
  const lose = async (uploadId: string) => {
    const remote = remoteStorage(config);
    if (remote) await remote.objects.delete(uploadKey(uploadId));
    else fs.rmSync(uploadPath(config, uploadId));
  };

  it('drops the repeat while the stored file is there, and keeps it as the stored file once it is gone', async () => {
    expect(Boolean(remoteStorage(config))).toBe(store !== 'local folder');
    const first = await receive();
    await keepReceivedUpload(config, first);

    const repeat = await receive();
    expect(await keepRepeatIfLost(config, first.uploadId, repeat)).toBe(false);
    expect(await storedBytes(repeat.uploadId)).toBeUndefined();
    if (repeat.tempPath) expect(fs.existsSync(repeat.tempPath)).toBe(false);

    await lose(first.uploadId);
    const restoring = await receive();
    expect(await keepRepeatIfLost(config, first.uploadId, restoring)).toBe(true);
    expect(await storedBytes(first.uploadId)).toEqual(BOOK);
    expect(await storedBytes(restoring.uploadId)).toBeUndefined();
    if (restoring.tempPath) expect(fs.existsSync(restoring.tempPath)).toBe(false);
  });

  it('says that the uploaded book is missing, without the server\'s paths, when its stored file is gone', async () => {
    const upload = await receive();
    await keepReceivedUpload(config, upload);
    await lose(upload.uploadId);
    const refused = await packStored(config, { uploadId: upload.uploadId, facts: SAMPLE_FACTS, knownSha256: 'a'.repeat(64) }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(PackError);
    expect((refused as Error).message).toBe('the uploaded book is no longer stored (its file is missing); upload the same file again to restore it, then retry');
  });
});
