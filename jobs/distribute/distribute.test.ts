import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { Job, Queue, QueueEvents, UnrecoverableError, Worker } from 'bullmq';
import winston from 'winston';
import { createDatabase, Database, migrateLatest } from '../../db/knex';
import { bindModels, Destination, Release, ReleaseDistribution, ReleaseFile, ReleaseState, Upload, User } from '../../db/models';
import { JobName, QueueName } from '../../lib/domain/queue-names';
import { ConflictError } from '../../lib/errors';
import { createLogger } from '../../lib/logger';
import { createRedis, Redis } from '../../lib/redis';
import { SecretBox } from '../../lib/secret-box';
import { freePort } from '../../test/support/ports';
import { FtpServer, SftpServer, startFtpServer, startSftpServer } from '../../test/support/transfer-servers';
import { createTestEnv, TestEnv } from '../../test/support/test-env';
import { waitFor } from '../../test/support/worker-process';
import type { WorkerContext } from '../job-definition';
import { jobIds, JobQueue } from '../job-queue';
import { connectionOf } from './connection';
import { distributeJob, DistributePayload } from './index';
import { ConnectionSettings, openSession, TransferError } from './transfer';
import { withStallGuard } from './transfer/stall-guard';

/**
 * The distribute job and its transfer sessions in this process (where mutation testing sees
 * them), against real pure-ftpd and OpenSSH servers started once for the file, real database rows
 * (SQLite or MariaDB, TEST_DB) and a real release folder; the job's progress goes to a real
 * BullMQ job in Redis. The pipeline around it (API, worker, retries with backoff) is covered by
 * test/distribution.test.ts and test/safeguards/distribute.test.ts; each test here is seconds.
 */
let env: TestEnv;
let db: Database;
let redis: Redis;
let eventsRedis: Redis;
let ftp: FtpServer;
/** Uploads throttled to 64 KB/s, so a session can be killed mid-file. */
let slowFtp: FtpServer;
let sftp: SftpServer;
/** Without TLS: a client that asked for it would be refused. */
let plainFtp: FtpServer;
let queue: Queue<DistributePayload>;
let events: QueueEvents;
let context: WorkerContext;
let userId: number;
let counter = 0;
/** What the job logged, one JSON line each. */
const logLines: string[] = [];

beforeAll(async () => {
  [ftp, slowFtp, plainFtp, sftp, env] = await Promise.all([startFtpServer(), startFtpServer({ uploadKBps: 64 }), startFtpServer({ tls: false }), startSftpServer(), createTestEnv()]);
  db = createDatabase(env.config.database);
  await migrateLatest(db);
  bindModels(db);
  redis = createRedis(env.config, 'producer');
  eventsRedis = createRedis(env.config, 'worker');
  const capture = new winston.transports.Stream({
    stream: new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  const logger = createLogger(env.config, { transports: [capture] });
  context = { config: env.config, logger, redis, queue: new JobQueue(env.config, redis, logger) };
  queue = new Queue('distribute-test', { connection: redis, prefix: env.config.redis.prefix });
  events = new QueueEvents('distribute-test', { connection: eventsRedis, prefix: env.config.redis.prefix });
  await events.waitUntilReady();
  userId = (await User.query().insert({ email: 'op@example.test', passwordHash: 'x', role: 'operator', disabled: false })).id;
}, 60_000);

afterAll(async () => {
  await events?.close();
  await queue?.close();
  await context?.queue.close();
  redis?.disconnect();
  eventsRedis?.disconnect();
  context?.logger.close();
  await db?.destroy();
  await Promise.all([ftp?.stop(), slowFtp?.stop(), plainFtp?.stop(), sftp?.stop()]);
  await env?.cleanup();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const KINDS = { zip: 'zip', nfo: 'nfo', diz: 'diz', sfv: 'sfv' } as const;

interface Packed {
  release: Release;
  name: string;
  /** The release folder's files by name, as packed (and recorded in release_files). */
  files: Record<string, Buffer>;
  dir: string;
}

/** A packed release: its folder under RELEASES_FOLDER and its rows (upload, release, release_files). */
async function packedRelease(options: { state?: ReleaseState; named?: boolean; zipBytes?: number } = {}): Promise<Packed> {
  const name = `Some.Author-Book.${++counter}-2026-ESP`;
  const files: Record<string, Buffer> = {
    'esp-book.zip': randomBytes(options.zipBytes ?? 40_000),
    'esp-book.nfo': Buffer.from(`release ${name}\r\n`),
    'file_id.diz': Buffer.from('a book\r\n'),
    'esp-book.sfv': Buffer.from('esp-book.zip 00000000\r\n'),
  };
  const dir = path.join(env.config.storage.releasesDir, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [fileName, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, fileName), bytes);
  const uploadId = randomUUID();
  await Upload.query().insert({ id: uploadId, userId, originalName: 'b.epub', storedName: uploadId, size: 1, sha256: sha256(Buffer.from(uploadId)), status: 'inspected' });
  const release = await Release.query().insertAndFetch({
    id: randomUUID(),
    uploadId,
    userId,
    requestKey: name,
    options: { type: 'EBOOK', group: 'ESP', source: 'RETAIL', overrides: {}, force: false },
    state: options.state ?? 'done',
    progress: 100,
    releaseDate: '2026-01-01',
    name: options.named === false ? null : name,
  } as never);
  for (const [fileName, bytes] of Object.entries(files)) {
    await ReleaseFile.query().insert({ releaseId: release.id, fileName, kind: KINDS[path.extname(fileName).slice(1) as keyof typeof KINDS], size: bytes.length, crc32: '00000000', sha256: sha256(bytes) });
  }
  return { release, name, files, dir };
}

const sent = (p: Packed) => Object.keys(p.files).filter((f) => !f.endsWith('.sfv'));

type Kind = 'ftp' | 'ftps' | 'sftp';
/** A destination row for one of the servers, its secret sealed as the API seals it. */
async function destinationFor(kind: Kind, overrides: Partial<Destination> & { secret?: string } = {}): Promise<Destination> {
  const { secret, ...rest } = overrides;
  const server = kind === 'sftp' ? sftp : ftp;
  const base =
    kind === 'sftp'
      ? { authType: 'key' as const, secret: sftp.privateKey, hostFingerprint: sftp.hostFingerprint, remotePath: path.join(sftp.root, `out-${++counter}`) }
      : { authType: 'password' as const, secret: ftp.password, hostFingerprint: null, remotePath: `/out-${++counter}` };
  return Destination.query().insertAndFetch({
    name: `${kind}-${counter}`,
    protocol: kind,
    host: '127.0.0.1',
    port: server.port,
    username: server.username,
    authType: base.authType,
    secretEncrypted: new SecretBox(env.config.secrets).seal(secret ?? base.secret),
    remotePath: base.remotePath,
    tlsVerify: false,
    hostFingerprint: base.hostFingerprint,
    enabled: true,
    ...rest,
  } as never);
}

/** Where a destination's remote path is on this machine. */
const localDir = (destination: Destination, server: FtpServer | SftpServer = destination.protocol === 'sftp' ? sftp : ftp) =>
  destination.protocol === 'sftp' ? destination.remotePath : path.join(server.root, destination.remotePath);

async function distribution(p: Packed, destination: Destination, state: ReleaseDistribution['state'] = 'queued') {
  return ReleaseDistribution.query().insertAndFetch({ releaseId: p.release.id, destinationId: destination.id, state, progress: 0, bytesSent: 0, attempts: 0 } as never);
}

/** Runs the job's processor here, on a real BullMQ job; `attemptsMade` as BullMQ sets it on a retry. */
async function run(p: { release: { id: string } }, destination: { id: number }, attemptsMade = 0) {
  const job = (await queue.add('distribute', { releaseId: p.release.id, destinationId: destination.id })) as Job<DistributePayload>;
  job.attemptsMade = attemptsMade;
  return { job, result: distributeJob.process(job, job.data, context) as Promise<Record<string, unknown>> };
}
const runResult = async (p: { release: { id: string } }, destination: { id: number }, attemptsMade = 0) => (await run(p, destination, attemptsMade)).result;

const rowOf = async (p: Packed, destination: Destination) => (await ReleaseDistribution.query().findOne({ releaseId: p.release.id, destinationId: destination.id }))!;

/** Waits for the server to have no session open: the job closed its own (none of these tests run two at once). */
async function noSessionLeft(server: FtpServer | SftpServer) {
  const deadline = Date.now() + 3000;
  while (server.sessions() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(server.sessions()).toBe(0);
}

/** The remote release folder holds exactly the sent files, byte for byte. */
function expectDelivered(p: Packed, remoteDir: string) {
  expect(fs.readdirSync(remoteDir).sort()).toEqual(sent(p).sort());
  for (const fileName of sent(p)) expect(sha256(fs.readFileSync(path.join(remoteDir, fileName)))).toBe(sha256(p.files[fileName]));
}

describe('distribute job', () => {
  it('sends nothing to a disabled destination', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('ftp', { enabled: false });
    await distribution(p, destination);
    await expect(runResult(p, destination)).rejects.toThrow(new UnrecoverableError(`destination ${destination.name} is disabled`));
    expect(fs.existsSync(localDir(destination))).toBe(false);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'queued', attempts: 0, error: null });
  });

  it.each([
    ['packing', true, 'release is packing, not packed'],
    ['failed', true, 'release is failed, not packed'],
    ['done', false, 'release is done, not packed'],
  ] as const)('sends nothing for a release that is %s (named: %s)', async (state, named, message) => {
    const p = await packedRelease({ state, named });
    const destination = await destinationFor('sftp');
    await distribution(p, destination);
    await expect(runResult(p, destination)).rejects.toThrow(new UnrecoverableError(message));
    expect(fs.existsSync(localDir(destination))).toBe(false);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('gives up for good when the release, the destination or the distribution is gone', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('sftp');
    const gone = new UnrecoverableError('the release, its destination or the distribution no longer exists');
    await expect(runResult(p, destination)).rejects.toThrow(gone);
    await distribution(p, destination);
    await expect(runResult({ release: { id: randomUUID() } }, destination)).rejects.toThrow(gone);
    await expect(runResult(p, { id: destination.id + 1000 })).rejects.toThrow(gone);
    expect(fs.existsSync(localDir(destination))).toBe(false);
  });

  it.each(['ftp', 'sftp'] as const)('fails to be retried when the %s server cannot be reached', async (kind) => {
    const p = await packedRelease();
    const destination = await destinationFor(kind, { port: await freePort() });
    await distribution(p, destination);
    const failure = (await runResult(p, destination, 3).catch((err: unknown) => err)) as Error;
    expect(failure).toBeInstanceOf(TransferError);
    expect(failure.message).toMatch(kind === 'ftp' ? /^FTP transfer failed: .*ECONNREFUSED/ : /^SFTP transfer failed: .*ECONNREFUSED/);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'queued', attempts: 4, error: `attempt failed, retrying: ${failure.message}` });
  });

  it('records the final failure with its reason', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('sftp');
    const other = await destinationFor('ftp');
    await distribution(p, destination);
    await distribution(p, other);
    await distributeJob.onFinalFailure!({ releaseId: p.release.id, destinationId: destination.id }, 'it kept failing', context);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'failed', error: 'it kept failing', finishedAt: expect.any(Date) });
    expect(await rowOf(p, other)).toMatchObject({ state: 'queued', error: null, finishedAt: null });
  });

  it.each([
    ['ftp', 'size'],
    ['ftps', 'size'],
    ['sftp', 'size+sha256'],
  ] as const)('delivers every packed file but the SFV to %s under <remote path>/<release name>/, verified by %s, and records it', async (kind, verifiedBy) => {
    const p = await packedRelease();
    const destination = await destinationFor(kind);
    await distribution(p, destination);
    const { job, result } = await run(p, destination, 2);
    const total = sent(p).reduce((sum, f) => sum + p.files[f].length, 0);
    expect(await result).toEqual({ destination: destination.name, bytes: total, resumedBytes: 0, verifiedBy });
    expectDelivered(p, path.join(localDir(destination), p.name));
    expect(await rowOf(p, destination)).toMatchObject({ state: 'done', progress: 100, bytesSent: total, verifiedBy, error: null, attempts: 3, finishedAt: expect.any(Date) });
    expect((await Job.fromId(queue, job.id!))!.progress).toEqual({ bytes: total, total });
    await noSessionLeft(kind === 'sftp' ? sftp : ftp);
    const logged = logLines.map((line) => JSON.parse(line)).find((line) => line.releaseId === p.release.id);
    expect(logged).toMatchObject({ message: 'release delivered', level: 'info', destination: destination.name, bytes: total, resumedBytes: 0, verifiedBy });
  });

  it('creates the missing remote folders, and uses the ones that exist', async () => {
    const p = await packedRelease();
    const deep = path.join(sftp.root, `deep-${++counter}`);
    fs.mkdirSync(path.join(deep, 'a'), { recursive: true });
    const destination = await destinationFor('sftp', { remotePath: path.join(deep, 'a', 'b', 'c') });
    await distribution(p, destination);
    await runResult(p, destination);
    expectDelivered(p, path.join(deep, 'a', 'b', 'c', p.name));

    const q = await packedRelease();
    const relative = `nested-${++counter}/x`;
    const ftpDestination = await destinationFor('ftp', { remotePath: relative });
    await distribution(q, ftpDestination);
    await runResult(q, ftpDestination);
    expectDelivered(q, path.join(ftp.root, relative, q.name));
  });

  it('fails (to be retried) when a remote folder on the way is a file', async () => {
    const p = await packedRelease();
    const blocked = path.join(sftp.root, `blocked-${++counter}`);
    fs.writeFileSync(blocked, 'not a folder');
    const destination = await destinationFor('sftp', { remotePath: path.join(blocked, 'inside') });
    await distribution(p, destination);
    const failure = await runResult(p, destination).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TransferError);
    expect(failure).not.toBeInstanceOf(UnrecoverableError);
    expect((failure as Error).message).toMatch(/^SFTP transfer failed: /);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'queued', error: `attempt failed, retrying: ${(failure as Error).message}` });
  });

  it('reports progress in steps of at least 5% to the job and the row, ending at the total', async () => {
    const p = await packedRelease({ zipBytes: 1_200_000 });
    const destination = await destinationFor('sftp');
    await distribution(p, destination);
    const seen: { bytes: number; total: number }[] = [];
    const rows: number[] = [];
    const { job, result } = await run(p, destination);
    const listener = ({ jobId, data }: { jobId: string; data: unknown }) => {
      if (jobId === job.id) seen.push(data as { bytes: number; total: number });
    };
    events.on('progress', listener);
    const poll = setInterval(() => void rowOf(p, destination).then((r) => r.state === 'uploading' && rows.push(r.progress), () => undefined), 5);
    // Stopped even when the job fails: a poll left running would query a closed database after the file.
    try {
      await result;
    } finally {
      clearInterval(poll);
    }
    await new Promise((r) => setTimeout(r, 300));
    events.off('progress', listener);
    const total = sent(p).reduce((sum, f) => sum + p.files[f].length, 0);
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.at(-1)).toEqual({ bytes: total, total });
    // Each step moves at least 5% of the bytes, but a step to the total, which is always reported.
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i].total).toBe(total);
      if (seen[i].bytes < total) expect(seen[i].bytes - seen[i - 1].bytes).toBeGreaterThanOrEqual(0.05 * total);
    }
    // The row follows the bytes (in percent) while uploading.
    expect(rows.some((progress) => progress > 0 && progress < 100)).toBe(true);
  });

  it('skips a delivery already done, and sends nothing again that the destination already holds', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('ftp');
    await distribution(p, destination, 'done');
    expect(await runResult(p, destination)).toEqual({ skipped: 'already delivered' });
    expect(fs.existsSync(localDir(destination))).toBe(false);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'done', attempts: 0 });

    // Sent again on request: every file is in place with its size, so none is uploaded again.
    await ReleaseDistribution.query().patch({ state: 'queued' }).where({ releaseId: p.release.id });
    await runResult(p, destination);
    const remoteDir = path.join(localDir(destination), p.name);
    const before = Object.fromEntries(sent(p).map((f) => [f, fs.statSync(path.join(remoteDir, f)).mtimeMs]));
    await ReleaseDistribution.query().patch({ state: 'queued' }).where({ releaseId: p.release.id });
    await new Promise((r) => setTimeout(r, 20));
    const total = sent(p).reduce((sum, f) => sum + p.files[f].length, 0);
    expect(await runResult(p, destination)).toMatchObject({ bytes: total, resumedBytes: 0, verifiedBy: 'size' });
    expect(Object.fromEntries(sent(p).map((f) => [f, fs.statSync(path.join(remoteDir, f)).mtimeMs]))).toEqual(before);
    expectDelivered(p, remoteDir);
  });

  it('sends a file again whose remote copy has another size', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('ftp');
    const remoteDir = remoteHolding(p, destination, { 'esp-book.zip': p.files['esp-book.zip'].subarray(0, 1000) });
    await distribution(p, destination);
    await runResult(p, destination);
    expectDelivered(p, remoteDir);
  });

  it.each(['sftp', 'ftp'] as const)('resumes a %s upload from the part the server holds, and ends with identical files', async (kind) => {
    const p = await packedRelease({ zipBytes: 100_000 });
    const destination = await destinationFor(kind);
    const remoteDir = remoteHolding(p, destination, {
      'esp-book.zip.part': p.files['esp-book.zip'].subarray(0, 30_000),
      'esp-book.nfo.part': p.files['esp-book.nfo'].subarray(0, 5),
    });
    await distribution(p, destination);
    expect(await runResult(p, destination, 1)).toMatchObject({ resumedBytes: 30_005 });
    expectDelivered(p, remoteDir);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('renames a part the server holds in full, sending none of it again', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('sftp');
    const remoteDir = remoteHolding(p, destination, { 'esp-book.zip.part': p.files['esp-book.zip'] });
    await distribution(p, destination);
    expect(await runResult(p, destination)).toMatchObject({ resumedBytes: p.files['esp-book.zip'].length });
    expectDelivered(p, remoteDir);
  });

  it('starts a part over that is longer than the file', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('ftp');
    const remoteDir = remoteHolding(p, destination, { 'file_id.diz.part': Buffer.concat([p.files['file_id.diz'], Buffer.from('garbage from elsewhere')]) });
    await distribution(p, destination);
    expect(await runResult(p, destination)).toMatchObject({ resumedBytes: 0 });
    expectDelivered(p, remoteDir);
  });

  it('refuses a remote file whose SHA-256 differs from the packed one: removes it, and the retry sends it again', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('sftp');
    const zip = path.join(p.dir, 'esp-book.zip');
    // Same size, other bytes (the disk went bad after packing): only the SHA-256 can tell.
    const corrupted = Buffer.from(p.files['esp-book.zip']);
    corrupted[20_000] ^= 0xff;
    fs.writeFileSync(zip, corrupted);
    await distribution(p, destination);
    const failure = await runResult(p, destination).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TransferError);
    expect(failure).not.toBeInstanceOf(UnrecoverableError);
    expect((failure as Error).message).toBe('esp-book.zip: remote SHA-256 differs from the packed file');
    expect(String(failure)).toBe('TransferError: esp-book.zip: remote SHA-256 differs from the packed file');
    const remoteDir = path.join(localDir(destination), p.name);
    expect(fs.readdirSync(remoteDir).sort()).toEqual(['esp-book.nfo', 'file_id.diz']);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'queued', attempts: 1, error: 'attempt failed, retrying: esp-book.zip: remote SHA-256 differs from the packed file' });
    await noSessionLeft(sftp);

    fs.writeFileSync(zip, p.files['esp-book.zip']);
    expect(await runResult(p, destination, 1)).toMatchObject({ verifiedBy: 'size+sha256' });
    expectDelivered(p, remoteDir);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'done', attempts: 2, error: null });
  });

  it('refuses a file the server holds with another size than the packed one', async () => {
    const p = await packedRelease();
    const destination = await destinationFor('ftp');
    fs.appendFileSync(path.join(p.dir, 'esp-book.nfo'), 'grown after packing');
    await distribution(p, destination);
    const size = p.files['esp-book.nfo'].length;
    await expect(runResult(p, destination)).rejects.toThrow(new TransferError(`esp-book.nfo: the server holds ${size + 'grown after packing'.length} of ${size} bytes`, false));
    expect(fs.existsSync(path.join(localDir(destination), p.name, 'esp-book.nfo'))).toBe(false);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'queued' });
  });

  it.each([
    ['ftps', { tlsVerify: true }, /^the FTPS certificate was refused \(.+\); turn tlsVerify off only for a server you trust$/],
    ['sftp', { authType: 'password', secret: 'not-the-password' }, 'the SFTP server refused the login: check the user name, password or key'],
    ['sftp', { hostFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, 'the SFTP server host key does not match the pinned fingerprint'],
    // Last: pure-ftpd answers a wrong password after a few seconds.
    ['ftp', { secret: 'not-the-password' }, 'the FTP server refused the login (530): check the user name and password'],
  ] as const)('stops at once on a refused %s login %o, recording why', async (kind, overrides, message) => {
    const p = await packedRelease();
    const destination = await destinationFor(kind, overrides as Partial<Destination>);
    await distribution(p, destination);
    const failure = (await runResult(p, destination).catch((err: unknown) => err)) as Error;
    expect(failure).toBeInstanceOf(UnrecoverableError);
    expect(failure.message).toMatch(message);
    expect(await rowOf(p, destination)).toMatchObject({ state: 'queued', attempts: 1, error: `attempt failed, retrying: ${failure.message}` });
    await noSessionLeft(kind === 'sftp' ? sftp : ftp);
  });
});

/**
 * Sending a release again, on the real distribute queue: the job id is fixed per release and
 * destination, so the earlier job must be out of the way first, or the new one is never added.
 * Its processor records the final failure in the database just before BullMQ moves it to failed:
 * a user who asks again in between finds it still active.
 */
describe('sending again (JobQueue.clearDistribution)', () => {
  const releaseId = () => randomUUID();
  const distributeQueue = () => context.queue.queue(QueueName.Distribute);
  const jobOf = (id: string, destinationId: number) => distributeQueue().getJob(jobIds.distribution(id, destinationId));

  /** A worker on the distribute queue whose job stays active until `end()`, then fails for good. */
  async function endingWorker() {
    let end!: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    const connection = createRedis(env.config, 'worker');
    const worker = new Worker(
      QueueName.Distribute,
      async () => {
        await ended;
        throw new UnrecoverableError('it kept failing');
      },
      { connection, prefix: env.config.redis.prefix },
    );
    return {
      end,
      async close() {
        await worker.close();
        connection.disconnect();
      },
    };
  }

  async function activeJob(id: string, destinationId: number) {
    await context.queue.enqueueDistribution(id, destinationId);
    const stateOf = async () => (await jobOf(id, destinationId))!.getState();
    await waitFor('the job to be active', async () => (await stateOf()) === 'active', 10_000, stateOf);
    expect(await stateOf()).toBe('active');
  }

  it('waits for a job that is ending, then lets the new one be added', async () => {
    const worker = await endingWorker();
    const id = releaseId();
    try {
      await activeJob(id, 7);
      let cleared = false;
      const clearing = context.queue.clearDistribution(id, 7).then(() => (cleared = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(cleared).toBe(false);
      worker.end();
      await clearing;
      expect(await jobOf(id, 7)).toBeUndefined();
    } finally {
      await worker.close();
    }
    await context.queue.enqueueDistribution(id, 7);
    const again = (await jobOf(id, 7))!;
    expect(await again.getState()).toBe('waiting');
    expect(again.attemptsMade).toBe(0);
    await again.remove();
  });

  it('refuses, as busy, while a job is still active after the wait, and leaves it running', async () => {
    const worker = await endingWorker();
    const id = releaseId();
    try {
      await activeJob(id, 8);
      const refusal = await context.queue.clearDistribution(id, 8).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(ConflictError);
      expect(refusal).toMatchObject({ status: 409, code: 'RELEASE_BUSY', message: 'The release is being sent there right now' });
      expect(await (await jobOf(id, 8))!.getState()).toBe('active');
      worker.end();
    } finally {
      await worker.close();
    }
    expect(await (await jobOf(id, 8))!.getState()).toBe('failed');
    await (await jobOf(id, 8))!.remove();
  });

  it('runs a retry that waits out its backoff now, and keeps a waiting job', async () => {
    const id = releaseId();
    await distributeQueue().add(JobName.Distribute, { releaseId: id, destinationId: 9 }, { jobId: jobIds.distribution(id, 9), delay: 60_000 });
    await context.queue.clearDistribution(id, 9);
    const promoted = (await jobOf(id, 9))!;
    expect(await promoted.getState()).toBe('waiting');
    await context.queue.clearDistribution(id, 9);
    expect((await jobOf(id, 9))!.timestamp).toBe(promoted.timestamp);
    await promoted.remove();
    await context.queue.clearDistribution(id, 9); // none: nothing to do
    expect(await jobOf(id, 9)).toBeUndefined();
  });
});

/**
 * The remote release folder as an earlier attempt left it, holding `files`; returned. pure-ftpd
 * writes as nobody, so for FTP the folders and files are made theirs.
 */
function remoteHolding(p: Packed, destination: Destination, files: Record<string, Buffer>): string {
  const remoteDir = path.join(localDir(destination), p.name);
  fs.mkdirSync(remoteDir, { recursive: true });
  for (const [fileName, bytes] of Object.entries(files)) fs.writeFileSync(path.join(remoteDir, fileName), bytes);
  if (destination.protocol !== 'sftp') {
    for (const entry of [path.dirname(remoteDir), remoteDir, ...Object.keys(files).map((f) => path.join(remoteDir, f))]) fs.chownSync(entry, 65534, 65534);
  }
  return remoteDir;
}

describe('transfer sessions', () => {
  const settings = (kind: Kind, overrides: Partial<ConnectionSettings> = {}): ConnectionSettings => ({
    protocol: kind,
    host: '127.0.0.1',
    port: kind === 'sftp' ? sftp.port : ftp.port,
    username: kind === 'sftp' ? sftp.username : ftp.username,
    authType: kind === 'sftp' ? 'key' : 'password',
    secret: kind === 'sftp' ? sftp.privateKey : ftp.password,
    tlsVerify: false,
    hostFingerprint: kind === 'sftp' ? sftp.hostFingerprint : null,
    timeoutMs: 10_000,
    ...overrides,
  });
  const bytesOf = (b: Buffer) => async (offset: number) => Readable.from([b.subarray(offset)]);

  it('turns a destination row into connection settings with its secret opened', async () => {
    const destination = await destinationFor('sftp');
    expect(connectionOf(env.config, destination)).toEqual({
      protocol: 'sftp',
      host: '127.0.0.1',
      port: sftp.port,
      username: sftp.username,
      authType: 'key',
      secret: sftp.privateKey,
      tlsVerify: false,
      hostFingerprint: sftp.hostFingerprint,
      timeoutMs: 15_000,
    });
  });

  it.each(['ftp', 'sftp'] as const)('%s: sizes, removes, renames over an existing file, and knows a missing file', async (kind) => {
    const session = await openSession(settings(kind));
    try {
      const dir = kind === 'sftp' ? path.join(sftp.root, `ops-${++counter}`) : `/ops-${++counter}`;
      const local = kind === 'sftp' ? dir : path.join(ftp.root, dir);
      await session.ensureDir(dir);
      await session.ensureDir(dir);
      const a = path.posix.join(dir, 'a');
      const b = path.posix.join(dir, 'b');
      expect(await session.size(a)).toBeUndefined();
      await session.upload(bytesOf(Buffer.from('12345')), a, 0, () => undefined);
      await session.upload(bytesOf(Buffer.from('abc')), b, 0, () => undefined);
      expect(await session.size(a)).toBe(5);
      await session.rename(a, b);
      expect(fs.readFileSync(path.join(local, 'b'), 'utf8')).toBe('12345');
      expect(await session.size(a)).toBeUndefined();
      await session.remove(b);
      expect(fs.readdirSync(local)).toEqual([]);
      await expect(session.remove(b)).rejects.toThrow(TransferError);
      await expect(session.rename(a, b)).rejects.toThrow(TransferError);
    } finally {
      session.close();
    }
  });

  it('sftp: without a pinned fingerprint any host key is accepted; a relative folder is made in the home folder', async () => {
    const session = await openSession(settings('sftp', { hostFingerprint: null }));
    const relative = `esp-relative-${process.pid}-${++counter}`;
    try {
      await session.ensureDir(`${relative}/sub`);
      expect(fs.statSync(path.join(os.homedir(), relative, 'sub')).isDirectory()).toBe(true);
    } finally {
      session.close();
      fs.rmSync(path.join(os.homedir(), relative), { recursive: true, force: true });
    }
  });

  it('ftp: plain FTP to a server without TLS', async () => {
    const session = await openSession(settings('ftp', { port: plainFtp.port, username: plainFtp.username, secret: plainFtp.password }));
    try {
      await session.upload(bytesOf(Buffer.from('plain')), `/plain-${++counter}`, 0, () => undefined);
      expect(await session.size(`/plain-${counter}`)).toBe(5);
    } finally {
      session.close();
    }
  });

  it('sftp: sha256sum of a name with a quote, and none for a missing file', async () => {
    const session = await openSession(settings('sftp'));
    try {
      const file = path.join(sftp.root, `it's ${++counter}.zip`);
      fs.writeFileSync(file, 'hello');
      expect(await session.sha256(file)).toBe(sha256(Buffer.from('hello')));
      expect(await session.sha256(`${file}.missing`)).toBeUndefined();
    } finally {
      session.close();
    }
  });

  it('sftp: a session closed under an operation fails it', async () => {
    const session = await openSession(settings('sftp'));
    session.close();
    await expect(session.size(path.join(sftp.root, 'x'))).rejects.toThrow(new TransferError('SFTP transfer failed: the connection was closed', false));
  });

  it('closes the session of an upload it gave up: a server that hung mid-file keeps no session once it wakes', async () => {
    await noSessionLeft(sftp);
    const session = await openSession(settings('sftp', { timeoutMs: 1000 }));
    let frozen = false;
    const upload = session.upload(async () => Readable.from(Array.from({ length: 200 }, () => Buffer.alloc(256 * 1024))), path.join(sftp.root, `hung-${++counter}`), 0, () => {
      if (!frozen) {
        frozen = true;
        sftp.freezeSessions(true);
      }
    });
    try {
      await expect(upload).rejects.toThrow(new TransferError('no bytes moved for 1 s; the connection was given up', false));
    } finally {
      sftp.freezeSessions(false);
    }
    await noSessionLeft(sftp);
  }, 15_000);

  /**
   * An upload to the throttled FTP server, disturbed once (`disturb`) as soon as its first bytes
   * moved; `failure` is what it failed with (undefined if it succeeded).
   */
  async function disturbedUpload(name: string, disturb: () => void) {
    const session = await openSession({ ...settings('ftp', { port: slowFtp.port, username: slowFtp.username, secret: slowFtp.password }), timeoutMs: 1000 });
    let disturbed = false;
    const upload = session.upload(bytesOf(randomBytes(2_000_000)), `/${name}-${++counter}.zip`, 0, (bytes) => {
      if (!disturbed && bytes > 0) {
        disturbed = true;
        disturb();
      }
    });
    const failure = upload.then(
      () => undefined,
      (err: unknown) => err,
    );
    return { session, failure, disturbed: () => disturbed };
  }

  it('gives up an upload whose server hung mid-file once the timeout passed, and closes the session', async () => {
    const started = Date.now();
    const upload = await disturbedUpload('stalled', () => slowFtp.freezeSessions(true));
    // basic-ftp's own control-socket timeout and the stall guard both run out at 1 s: either may win.
    const failure = await upload.failure.finally(() => slowFtp.freezeSessions(false));
    expect(failure).toBeInstanceOf(TransferError);
    expect(failure).toMatchObject({ permanent: false, message: expect.stringMatching(/^(no bytes moved for 1 s; the connection was given up|FTP transfer failed: Timeout \(control socket\))$/) });
    expect(upload.disturbed()).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    // Closed: the next operation fails rather than hanging.
    await expect(upload.session.size('/x')).rejects.toThrow(TransferError);
  }, 15_000);

  it('fails an upload whose session was killed mid-file, as a transfer error worth retrying, and closes the session', async () => {
    const started = Date.now();
    const upload = await disturbedUpload('killed', () => slowFtp.dropSessions());
    // Whichever the client notices first: the closed control connection, a reset data connection,
    // or (when neither reaches it) no byte moving for the timeout.
    const failure = await upload.failure;
    expect(failure).toBeInstanceOf(TransferError);
    expect(failure).toMatchObject({ permanent: false, message: expect.stringMatching(/^(FTP transfer failed: |no bytes moved for 1 s)/) });
    expect(upload.disturbed()).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    await expect(upload.session.size('/x')).rejects.toThrow(TransferError);
  }, 15_000);
});

describe('stall guard', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('gives up a transfer that moves no byte for the time given, aborting it once', async () => {
    let aborts = 0;
    const started = Date.now();
    const never = new Promise<never>(() => undefined);
    await expect(withStallGuard(300, () => never, () => aborts++)).rejects.toThrow(new TransferError('no bytes moved for 0.3 s; the connection was given up', false));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(Date.now() - started).toBeLessThan(2000);
    await sleep(400);
    expect(aborts).toBe(1);
  });

  it('lets a slow transfer run as long as bytes keep moving, and stops watching once it ends', async () => {
    let aborts = 0;
    const result = await withStallGuard(
      300,
      async (alive) => {
        for (let i = 0; i < 8; i++) {
          await sleep(100);
          alive();
        }
        return 'sent';
      },
      () => aborts++,
    );
    expect(result).toBe('sent');
    await sleep(500);
    expect(aborts).toBe(0);
  });

  it('passes on the failure of the transfer, and one after it was given up goes nowhere', async () => {
    await expect(withStallGuard(300, async () => Promise.reject(new TransferError('refused', true)), () => undefined)).rejects.toThrow(new TransferError('refused', true));
    // As the client libraries do: closing the session fails the pending transfer a moment later.
    let fail: (err: Error) => void = () => undefined;
    const abandoned = withStallGuard(200, () => new Promise<never>((_resolve, reject) => (fail = reject)), () => setImmediate(() => fail(new Error('closed under it'))));
    await expect(abandoned).rejects.toThrow(/no bytes moved/);
    await sleep(50);
  });
});
