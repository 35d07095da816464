import { Readable } from 'node:stream';
import { recordS3Requests, RecordingProxy, S3Server, startS3Server } from '../../test/support/s3-server';
import { S3ObjectStore, s3ClientOf } from './s3-object-store';

/**
 * A write to a store that stops answering midway, against a real S3-compatible server (s3rver)
 * behind a proxy that never answers the first part: the write still fails with its own reason
 * once the wait for the SDK's own abort (5 s) has passed, and the multipart upload is aborted
 * before it does (the SDK would wait for the part for good).
 * test/storage-contract.test.ts covers the writes that fail while the store answers.
 */
let server: S3Server;
let proxy: RecordingProxy;
let store: S3ObjectStore;

beforeAll(async () => {
  server = await startS3Server();
  proxy = await recordS3Requests(server, (method, url) => (method === 'PUT' && url.searchParams.get('partNumber') === '1' ? 'hang' : undefined));
  const settings = { endpoint: proxy.endpoint, bucket: server.bucket, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true };
  store = new S3ObjectStore(s3ClientOf(settings), server.bucket);
}, 30_000);
afterAll(async () => {
  await proxy?.close();
  await server?.stop();
});

it('gives up a failed write whose store hangs, after the grace, with the reason of its source, and aborts its multipart upload', async () => {
  const part = Buffer.alloc(5 * 1024 * 1024, 1);
  let fed = 0;
  // Two parts, then the client goes away while the first part hangs on the way to the store.
  const source = new Readable({
    read() {
      if (fed++ < 2) this.push(part);
      else setTimeout(() => this.destroy(new Error('client went away')), 200);
    },
  });
  const started = Date.now();
  await expect(store.put('hung/book', source)).rejects.toThrow('client went away');
  const took = Date.now() - started;
  expect(took).toBeGreaterThanOrEqual(5000);
  expect(took).toBeLessThan(15_000);
  // Aborted by the time the write has failed, though the part never came back.
  expect(proxy.unfinishedUploads()).toEqual([]);
  expect(proxy.requests.filter((r) => r.startsWith('DELETE'))).toEqual([expect.stringMatching(/^DELETE \/esp-test\/hung\/book\?uploadId=\w+&x-id=AbortMultipartUpload$/)]);
  expect(await store.stat('hung/book')).toBeUndefined();
}, 40_000);
