import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { QueueName } from '../lib/domain/queue-names';
import { startFtpServer, startSftpServer, FtpServer, SftpServer, TransferServer } from './support/transfer-servers';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { as, Caller, PipelineWorld, startPipelineWorld } from './support/pipeline-world';
import type { TestApp } from './support/test-app';
import { waitFor } from './support/worker-process';

/**
 * The distribution `distribute` job against real servers started here: pure-ftpd (FTP and
 * explicit FTPS) and OpenSSH (SFTP, behind a proxy that can cut the connection), including a
 * connection dropped mid-file and wrong credentials.
 */
let app: TestApp;
let world: PipelineWorld<'admin' | 'operator'>;
let ftp: FtpServer;
let sftp: SftpServer;
let proxy: TcpProxy;
let admin: Caller;
let operator: Caller;
const destinations: Record<string, number> = {};

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(async () => {
  ftp = await startFtpServer({ uploadKBps: 3000 });
  sftp = await startSftpServer();
  proxy = await startTcpProxy(sftp.port, 3_000_000);
  world = await startPipelineWorld({
    users: { admin: ['admin', 'admin@example.test', []], operator: ['operator', 'op@example.test'] },
    // Deliveries run in this process, where mutation testing sees them (test/mutation/modules.mjs).
    inProcess: [QueueName.Distribute],
    prepare: ({ createDestination, users }) => createDestinations((name, body) => createDestination(users.admin, name, body)),
  });
  ({ app, users: { admin, operator } } = world);
}, 60_000);
afterAll(async () => {
  await world.close();
  await proxy.close();
  await ftp.stop();
  await sftp.stop();
});

/** Every destination the tests send to, made before the worker starts. */
async function createDestinations(createDestination: (name: string, body: Record<string, unknown>) => Promise<number>) {
  const create = async (name: string, body: Record<string, unknown>) => {
    destinations[name] = await createDestination(name, body);
  };
  const ftpLogin = { port: ftp.port, username: ftp.username, secret: ftp.password, remotePath: '/releases' };
  await create('ftp', { protocol: 'ftp', ...ftpLogin });
  await create('ftps', { protocol: 'ftps', ...ftpLogin, remotePath: '/secure', tlsVerify: false });
  await create('ftps-verified', { protocol: 'ftps', ...ftpLogin, remotePath: '/secure' });
  await create('ftp-wrong-password', { protocol: 'ftp', ...ftpLogin, secret: 'not-the-password' });
  const sftpLogin = { protocol: 'sftp', port: proxy.port, username: sftp.username, authType: 'key', secret: sftp.privateKey, remotePath: path.join(sftp.root, 'releases') };
  await create('sftp', { ...sftpLogin, hostFingerprint: sftp.hostFingerprint });
  await create('sftp-wrong-password', { ...sftpLogin, authType: 'password', secret: 'not-the-password' });
  await create('sftp-wrong-host', { ...sftpLogin, hostFingerprint: `SHA256:${'A'.repeat(43)}` });
}

async function packedRelease(title: string, paddingBytes: number, destinationNames: string[]) {
  const book = path.join(app.dataDir, `${title}.epub`);
  await writeEpub(book, { title, paddingBytes, date: '2019-05-02' });
  const uploadId = (await app.http.post('/api/uploads').set(as(operator)).attach('file', book)).body.upload.id;
  const requested = await app.http
    .post('/api/releases')
    .set(as(operator))
    .send({ uploadId, options: { group: 'ESP', volumeSizeMb: 5, proofUrl: `https://books.example.test/${encodeURIComponent(title)}`, destinationIds: destinationNames.map((n) => destinations[n]) } });
  expect(requested.status).toBe(202);
  const release = await waitFor('release to be packed', async () => {
    const current = (await app.http.get(`/api/releases/${requested.body.release.id}`).set(as(operator))).body.release;
    return ['done', 'failed', 'review'].includes(current.state) ? current : undefined;
  }, 60_000);
  expect(release).toMatchObject({ state: 'done', reviewReasons: null, error: null });
  return release;
}

async function delivered(releaseId: string, destinationName: string, timeoutMs = 90_000) {
  return waitFor(`delivery to ${destinationName}`, async () => {
    const release = (await app.http.get(`/api/releases/${releaseId}`).set(as(operator))).body.release;
    const distribution = release.distributions.find((d: { destinationId: number }) => d.destinationId === destinations[destinationName]);
    return ['done', 'failed'].includes(distribution.state) ? distribution : undefined;
  }, timeoutMs, async () => ({ d: (await app.http.get(`/api/releases/${releaseId}`).set(as(operator))).body.release.distributions, logs: app.logLines.filter((l) => !l.includes('"http"')).slice(-30) }));
}

/** The remote copy holds exactly the release folder's files, with no `.part` left. */
function expectSameFiles(release: { name: string }, remoteDir: string) {
  const local = path.join(app.config.storage.releasesDir, release.name);
  const names = fs.readdirSync(local).sort();
  expect(fs.readdirSync(remoteDir).sort()).toEqual(names);
  for (const name of names) expect(sha256(path.join(remoteDir, name))).toBe(sha256(path.join(local, name)));
}

/** The delivery's job once the queue has recorded it completed (a moment after the row says done). */
async function jobResult(releaseId: string, destinationName: string) {
  return waitFor(`the ${destinationName} delivery job to complete`, async () => {
    const res = await app.http.get(`/api/jobs/distribute/distribute-${releaseId}-${destinations[destinationName]}`).set(as(admin));
    return res.body.job?.state === 'completed' ? res.body.job : undefined;
  }, 30_000);
}

/** Waits until a `.part` file under `dir` holds at least `bytes`, then cuts the sessions. */
async function dropMidFile(server: TransferServer | TcpProxy, dir: string, bytes: number) {
  await waitFor('a partly uploaded file', async () => {
    if (!fs.existsSync(dir)) return false;
    const partial = fs.readdirSync(dir).find((f) => f.endsWith('.part'));
    return partial !== undefined && fs.statSync(path.join(dir, partial)).size >= bytes;
  }, 60_000);
  'dropSessions' in server ? server.dropSessions() : server.drop();
}

describe('destinations', () => {
  it('tests connections: good logins pass, a wrong password, an untrusted certificate or a wrong host key fail with the reason', async () => {
    const test = async (name: string) => (await app.http.post(`/api/destinations/${destinations[name]}/test`).set(as(admin))).body.test;
    for (const name of ['ftp', 'ftps', 'sftp']) {
      const sent = Date.now();
      const passed = await test(name);
      // Its latency is the test's own time: within the request's.
      expect({ name, ...passed }).toEqual({ name, ok: true, latencyMs: expect.any(Number) });
      expect(passed.latencyMs).toBeLessThanOrEqual(Date.now() - sent);
    }
    // The test's session is closed once it has answered (SFTP goes through the proxy, which sees it end).
    await waitFor('the SFTP test session to close', async () => proxy.openConnections() === 0, 5000);
    expect(await test('ftp-wrong-password')).toMatchObject({ ok: false, error: expect.stringMatching(/refused the login \(530\)/) });
    expect(await test('ftps-verified')).toMatchObject({ ok: false, error: expect.stringMatching(/certificate was refused/) });
    expect(await test('sftp-wrong-password')).toMatchObject({ ok: false, error: expect.stringMatching(/SFTP server refused the login/) });
    expect(await test('sftp-wrong-host')).toMatchObject({ ok: false, error: expect.stringMatching(/host key does not match/) });
    expect(fs.existsSync(path.join(ftp.root, 'releases'))).toBe(true);
  });
});

describe('distribution', () => {
  it('delivers a packed release to FTP, FTPS and SFTP, verified by size (and SHA-256 over SSH)', async () => {
    const release = await packedRelease('Small Delivery', 200_000, ['ftp', 'ftps', 'sftp']);
    const [viaFtp, viaFtps, viaSftp] = [await delivered(release.id, 'ftp'), await delivered(release.id, 'ftps'), await delivered(release.id, 'sftp')];
    expect(viaFtp).toMatchObject({ state: 'done', progress: 100, verifiedBy: 'size', attempts: 1, error: null });
    expect(viaFtps).toMatchObject({ state: 'done', verifiedBy: 'size' });
    expect(viaSftp).toMatchObject({ state: 'done', verifiedBy: 'size+sha256' });
    expectSameFiles(release, path.join(ftp.root, 'releases', release.name));
    expectSameFiles(release, path.join(ftp.root, 'secure', release.name));
    expectSameFiles(release, path.join(sftp.root, 'releases', release.name));
  }, 120_000);

  it('resumes an FTP upload cut mid-file from what the server holds, and ends with identical files', async () => {
    const release = packedRelease('Dropped Over FTP', 9_000_000, ['ftp']);
    const remoteDir = path.join(ftp.root, 'releases');
    const { name, id } = await release;
    await dropMidFile(ftp, path.join(remoteDir, name), 1_000_000);
    const distribution = await delivered(id, 'ftp');
    expect(distribution).toMatchObject({ state: 'done', verifiedBy: 'size' });
    expect(distribution.attempts).toBeGreaterThanOrEqual(2);
    expect((await jobResult(id, 'ftp')).returnValue.resumedBytes).toBeGreaterThanOrEqual(1_000_000);
    expectSameFiles({ name }, path.join(remoteDir, name));
  }, 180_000);

  it('resumes an SFTP upload cut mid-file, verified by SHA-256', async () => {
    const { name, id } = await packedRelease('Dropped Over SFTP', 9_000_000, ['sftp']);
    const remoteDir = path.join(sftp.root, 'releases', name);
    await dropMidFile(proxy, remoteDir, 1_000_000);
    const distribution = await delivered(id, 'sftp');
    expect(distribution).toMatchObject({ state: 'done', verifiedBy: 'size+sha256' });
    expect(distribution.attempts).toBeGreaterThanOrEqual(2);
    expect((await jobResult(id, 'sftp')).returnValue.resumedBytes).toBeGreaterThanOrEqual(1_000_000);
    expectSameFiles({ name }, remoteDir);
  }, 180_000);

  it('fails at once on a wrong password, records why, and never writes the password anywhere', async () => {
    const { id } = await packedRelease('Wrong Password', 1000, ['ftp-wrong-password', 'sftp-wrong-password']);
    for (const name of ['ftp-wrong-password', 'sftp-wrong-password']) {
      const distribution = await delivered(id, name, 30_000);
      expect(distribution).toMatchObject({ state: 'failed', attempts: 1, error: expect.stringMatching(/refused the login/) });
    }
    const everything = [JSON.stringify((await app.http.get(`/api/releases/${id}`).set(as(operator))).body), app.logLines.join('\n'), world.worker.output.join('')].join('\n');
    expect(everything).not.toContain('not-the-password');
    expect(everything).not.toContain(ftp.password);
  }, 60_000);

  it('sends a release again on request, to a destination it was not requested for', async () => {
    const release = await packedRelease('Sent Later', 1000, []);
    expect(release.distributions).toEqual([]);
    const res = await app.http.post(`/api/releases/${release.id}/distributions/${destinations.ftp}`).set(as(operator));
    expect(res.status).toBe(202);
    expect((await delivered(release.id, 'ftp')).state).toBe('done');
    expectSameFiles(release, path.join(ftp.root, 'releases', release.name));
  }, 60_000);
});
