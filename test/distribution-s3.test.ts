import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { ReleaseFile } from '../db/models';
import { S3ObjectStore, s3ClientOf } from '../lib/storage/s3-object-store';
import { S3Server, S3RVER_KEYS, startS3Server } from './support/s3-server';
import { startSftpServer, SftpServer } from './support/transfer-servers';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { startTestApp, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Distribution with STORAGE=s3: the release lives only in the bucket, and the distribute job
 * streams each file from it to a real SFTP server; a connection cut mid-file resumes with a
 * ranged read from the size the server holds.
 */
let s3: S3Server;
let app: TestApp;
let worker: ReturnType<typeof startWorker>;
let sftp: SftpServer;
let proxy: TcpProxy;
let operator: { token: string };
let destinationId: number;
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(async () => {
  s3 = await startS3Server();
  sftp = await startSftpServer();
  proxy = await startTcpProxy(sftp.port, 3_000_000);
  app = await startTestApp(s3.env);
  const admin = await app.createUser('admin', 'admin@example.test', []);
  operator = await app.createUser('operator', 'op@example.test');
  const created = await app.http
    .post('/api/destinations')
    .set(as(admin))
    .send({ name: 'sftp', protocol: 'sftp', host: '127.0.0.1', port: proxy.port, username: sftp.username, authType: 'key', secret: sftp.privateKey, remotePath: path.join(sftp.root, 'releases'), hostFingerprint: sftp.hostFingerprint });
  expect(created.status).toBe(201);
  destinationId = created.body.destination.id;
  worker = await startReadyWorker(app.env, app.context.queue);
}, 90_000);

afterAll(async () => {
  if (worker) await stopWorker(worker);
  await app?.close();
  await proxy?.close();
  await sftp?.stop();
  await s3?.stop();
});

it('sends a release kept only in S3 to SFTP, resuming a cut transfer by ranged reads, with identical files', async () => {
  const book = path.join(app.dataDir, 'From Bucket.epub');
  await writeEpub(book, { title: 'From Bucket', paddingBytes: 9_000_000, date: '2019-05-02' });
  const uploadId = (await app.http.post('/api/uploads').set(as(operator)).attach('file', book)).body.upload.id;
  fs.rmSync(book);
  const requested = await app.http
    .post('/api/releases')
    .set(as(operator))
    .send({ uploadId, options: { group: 'ESP', volumeSizeMb: 5, proofUrl: 'https://books.example.test/from-bucket', destinationIds: [destinationId] } });
  expect(requested.status).toBe(202);
  const id = requested.body.release.id as string;
  const releaseOf = async () => (await app.http.get(`/api/releases/${id}`).set(as(operator))).body.release;

  const { name } = await waitFor('the release to be packed', async () => {
    const release = await releaseOf();
    return ['done', 'failed', 'review'].includes(release.state) ? release : undefined;
  }, 120_000, releaseOf);
  const remoteDir = path.join(sftp.root, 'releases', name);
  await waitFor('a partly sent file', async () => {
    const partial = fs.existsSync(remoteDir) && fs.readdirSync(remoteDir).find((f) => f.endsWith('.part'));
    return partial && fs.statSync(path.join(remoteDir, partial)).size >= 1_000_000;
  }, 60_000);
  proxy.drop();

  const distribution = await waitFor('the delivery', async () => {
    const d = (await releaseOf()).distributions[0];
    return ['done', 'failed'].includes(d.state) ? d : undefined;
  }, 120_000);
  expect(distribution).toMatchObject({ state: 'done', verifiedBy: 'size+sha256' });
  expect(distribution.attempts).toBeGreaterThanOrEqual(2);
  const job = (await app.http.get(`/api/jobs/distribute/distribute-${id}-${destinationId}`).set(as(await app.createUser('admin', 'jobs@example.test', [])))).body.job;
  expect(job.returnValue.resumedBytes).toBeGreaterThanOrEqual(1_000_000);

  // The remote folder holds exactly the packed files; nothing of the release was ever on this host's disk.
  const rows = await ReleaseFile.query().where({ releaseId: id }).whereIn('kind', ['zip', 'nfo', 'diz']);
  expect(fs.readdirSync(remoteDir).sort()).toEqual(rows.map((r) => r.fileName).sort());
  for (const row of rows) expect(sha256(path.join(remoteDir, row.fileName))).toBe(row.sha256);
  expect(fs.existsSync(path.join(app.config.storage.releasesDir, name))).toBe(false);
  expect(fs.existsSync(path.join(app.config.storage.uploadDir, uploadId))).toBe(false);

  // Deleting the release removes its objects: the manifest first, then every attempt's files.
  const bucket = new S3ObjectStore(s3ClientOf({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', forcePathStyle: true, ...S3RVER_KEYS }), s3.bucket);
  expect((await bucket.list(`releases/${name}/`)).length).toBeGreaterThan(rows.length);
  expect((await app.http.delete(`/api/releases/${id}`).set(as(operator))).status).toBe(204);
  expect(await bucket.list('releases/')).toEqual([]);
  expect(await bucket.stat(`uploads/${uploadId}`)).toMatchObject({ size: expect.any(Number) });
}, 300_000);
