import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { pipeline } from 'node:stream/promises';
import { ChecksumStream } from '../checksum-stream';
import { ByteRange, checkKey, ObjectNotFoundError, ObjectStore, StoredObject, WrittenObject } from './object-store';

export interface S3Settings {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** Multipart part size (S3's minimum): memory per upload is about PART_BYTES x (QUEUE_SIZE + 1), whatever the object's size. */
const PART_BYTES = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;
/** How long a failed write waits for the library's own abort of the multipart upload, and then for its own. */
const ABORT_GRACE_MS = 5000;
/** DeleteObjects takes at most 1000 keys per call. */
const DELETE_BATCH = 1000;

export function s3ClientOf(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    // Without keys the SDK's default chain applies (instance roles, ~/.aws); keys come only from the environment.
    credentials:
      settings.accessKeyId && settings.secretAccessKey ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } : undefined,
    // Checksums only when the operation requires them: S3-compatible servers differ in what they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/**
 * Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW). Writes go through multipart
 * upload in fixed-size parts, hashed on the way; an upload that fails or is aborted is aborted on
 * the server too (no parts left behind), and an object appears only when the upload completes.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3';

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, source: Readable | Buffer, options: { maxBytes?: number } = {}): Promise<WrittenObject> {
    checkKey(key);
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    input.on('error', () => {});
    const meter = new ChecksumStream(options.maxBytes);
    const body = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: PART_BYTES,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    const feeding = pipeline(input, meter, body);
    const uploading = upload.done();
    try {
      await Promise.all([feeding, uploading]);
    } catch (err) {
      // Whichever side failed, stop the other and abort the multipart upload. With its body gone,
      // the library aborts the multipart upload itself before `uploading` settles, so the caller's
      // answer comes after the abort (Upload.abort() settles it at once and sends the abort later:
      // CI once found it still unsent). It does so only once its parts in flight have ended.
      body.destroy();
      const settled = await Promise.race([uploading.then(() => true, () => true), delay(ABORT_GRACE_MS, false, { ref: false })]);
      if (!settled) await this.abandon(upload, key);
      await feeding.catch(() => undefined);
      // A body under one part goes up as a single PUT, which may have completed with what was
      // fed before the source failed: nothing may stay under the key.
      if (await uploading.then(() => true, () => false)) await this.delete(key).catch(() => undefined);
      throw err;
    }
    const { size, sha256, crc32 } = meter.result();
    return { key, size, sha256, crc32 };
  }

  /**
   * A store that stopped answering a part: the library would wait for it for good. Its upload is
   * given up and the multipart upload aborted here, by the id the library holds (it offers no
   * other way to learn it), within a bounded wait.
   */
  private async abandon(upload: Upload, key: string): Promise<void> {
    await upload.abort().catch(() => undefined);
    const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
    if (!uploadId) return;
    const command = new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId });
    await this.client.send(command, { abortSignal: AbortSignal.timeout(ABORT_GRACE_MS) }).catch(() => undefined);
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    checkKey(key);
    const rangeHeader = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: rangeHeader }));
      return answer.Body as Readable;
    } catch (err) {
      throw isMissing(err) ? new ObjectNotFoundError(key) : err;
    }
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: Number(head.ContentLength ?? 0), modifiedAt: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (o.Key) found.push({ key: o.Key, size: Number(o.Size ?? 0), modifiedAt: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = (await this.list(prefix)).map((o) => o.key);
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
    }
    return keys.length;
  }
}

function isMissing(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return err instanceof NoSuchKey || err instanceof NotFound || status === 404;
}
