import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { jobIds } from '../../jobs/job-queue';
import { QueueName } from '../../lib/domain/queue-names';
import { startFtpServer, startSftpServer, FtpServer, SftpServer } from '../support/transfer-servers';
import { startRawServer, RawServer } from '../support/raw-server';
import { startSwitchableProxy, SwitchableProxy } from '../support/switchable-proxy';
import { as, Caller, PipelineWorld, releaseOf, startPipelineWorld } from '../support/pipeline-world';
import type { TestApp } from '../support/test-app';
import { waitFor } from '../support/worker-process';

/**
 * The distribution safeguards against real pure-ftpd and OpenSSH servers: a file whose remote
 * SHA-256 differs from the packed one is never accepted (it is removed and sent again after the
 * backoff), a disabled destination and an unpacked release get nothing, a delivery whose every
 * attempt fails ends failed with its reason and is announced, a failed delivery can be sent
 * again once its cause is fixed, and one under way is not sent a second time.
 */
let world: PipelineWorld<'admin' | 'operator'>;
let app: TestApp;
let ftp: FtpServer;
let sftp: SftpServer;
/** The SFTP server behind a proxy the test cuts: the server looks down (a temporary failure). */
let cutSftp: SwitchableProxy;
/** What the release-event webhook receiver got. */
const announced: { event: string; body: { release: { id: string } } & Record<string, unknown> }[] = [];
let receiver: http.Server;
/** A server that accepts connections and never speaks: a delivery to it stays uploading until its connect timeout. */
let silent: RawServer;
let admin: Caller;
let operator: Caller;
const destinations: Record<string, number> = {};

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(async () => {
  ftp = await startFtpServer();
  sftp = await startSftpServer();
  cutSftp = await startSwitchableProxy(sftp.port);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      announced.push({ event: String(req.headers['x-esp-event']), body: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  silent = await startRawServer();
  world = await startPipelineWorld({
    users: { admin: ['admin', 'admin@example.test', []], operator: ['operator', 'op@example.test'] },
    // Deliveries run in this process, where mutation testing sees them (test/mutation/modules.mjs).
    inProcess: [QueueName.Distribute],
    async prepare({ createDestination, users }) {
      const create = async (name: string, body: Record<string, unknown>) => {
        destinations[name] = await createDestination(users.admin, name, body);
      };
      await create('sftp', { protocol: 'sftp', port: sftp.port, username: sftp.username, authType: 'key', secret: sftp.privateKey, remotePath: path.join(sftp.root, 'out'), hostFingerprint: sftp.hostFingerprint });
      await create('sftp-fixable', { protocol: 'sftp', port: sftp.port, username: sftp.username, authType: 'password', secret: 'not-the-password', remotePath: path.join(sftp.root, 'fixable'), hostFingerprint: sftp.hostFingerprint });
      await create('ftp-disabled', { protocol: 'ftp', port: ftp.port, username: ftp.username, secret: ftp.password, remotePath: '/disabled', enabled: false });
      await create('sftp-silent', { protocol: 'sftp', port: silent.port, username: sftp.username, authType: 'key', secret: sftp.privateKey, remotePath: path.join(sftp.root, 'silent'), hostFingerprint: sftp.hostFingerprint });
      await create('sftp-down', { protocol: 'sftp', port: cutSftp.port, username: sftp.username, authType: 'key', secret: sftp.privateKey, remotePath: path.join(sftp.root, 'down'), hostFingerprint: sftp.hostFingerprint });
    },
  });
  ({ app, users: { admin, operator } } = world);
}, 90_000);
afterAll(async () => {
  await world.close();
  await cutSftp.close();
  await ftp.stop();
  await sftp.stop();
  await new Promise((resolve) => receiver.close(resolve));
  await silent.close();
});

async function packed(title: string) {
  const book = path.join(app.dataDir, `${title}.epub`);
  await writeEpub(book, { title, date: '2022-02-02', paddingBytes: 50_000 });
  const release = await releaseOf(app, operator, book, { group: 'ESP', source: 'SCAN' });
  expect(release.state).toBe('done');
  return release as { id: string; name: string; files: { fileName: string; sha256: string }[] };
}

const distributionOf = async (releaseId: string, destination: string) =>
  ((await app.http.get(`/api/releases/${releaseId}`).set(as(operator))).body.release.distributions as { destinationId: number; state: string; error: string | null; attempts: number }[])
    .find((d) => d.destinationId === destinations[destination]);

const send = (releaseId: string, destination: string) => app.http.post(`/api/releases/${releaseId}/distributions/${destinations[destination]}`).set(as(operator));

describe('distribution safeguards', () => {
  it('never accepts a remote file whose SHA-256 differs from the packed one: removes it and sends it again after the backoff', async () => {
    const release = await packed('Checked Twice');
    const zip = path.join(app.config.storage.releasesDir, release.name, release.files.find((f) => f.fileName.endsWith('.zip'))!.fileName);
    const original = fs.readFileSync(zip);
    // Same size, other bytes: only the SHA-256 check can tell (the disk went bad after packing).
    const corrupted = Buffer.from(original);
    corrupted[Math.floor(corrupted.length / 2)] ^= 0xff;
    fs.writeFileSync(zip, corrupted);

    expect((await send(release.id, 'sftp')).status).toBe(202);
    const failedOnce = await waitFor('the first attempt to fail verification', async () => {
      const d = await distributionOf(release.id, 'sftp');
      return d?.error?.includes('remote SHA-256 differs from the packed file') ? d : undefined;
    }, 60_000, () => distributionOf(release.id, 'sftp'));
    expect(failedOnce).toMatchObject({ state: 'queued', attempts: 1 });
    fs.writeFileSync(zip, original);

    const done = await waitFor('the retry to deliver', async () => {
      const d = await distributionOf(release.id, 'sftp');
      return d && ['done', 'failed'].includes(d.state) ? d : undefined;
    }, 60_000);
    expect(done).toMatchObject({ state: 'done', verifiedBy: 'size+sha256', attempts: 2, error: null });
    const remoteDir = path.join(sftp.root, 'out', release.name);
    for (const file of release.files.filter((f) => !f.fileName.endsWith('.sfv'))) expect(sha256(path.join(remoteDir, file.fileName))).toBe(file.sha256);
    expect(fs.readdirSync(remoteDir).filter((f) => f.endsWith('.part'))).toEqual([]);
  }, 150_000);

  it('sends nothing to a disabled destination', async () => {
    const release = await packed('Not There');
    const res = await send(release.id, 'ftp-disabled');
    if (res.status === 202) {
      const d = await waitFor('the distribution to settle', async () => {
        const current = await distributionOf(release.id, 'ftp-disabled');
        return current && ['done', 'failed'].includes(current.state) ? current : undefined;
      }, 30_000);
      expect(d).toMatchObject({ state: 'failed', error: expect.stringMatching(/disabled/) });
    } else {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect(fs.existsSync(path.join(ftp.root, 'disabled', release.name))).toBe(false);
  });

  it('refuses with 409 NOT_PACKED to send a release that is not packed', async () => {
    const book = path.join(app.dataDir, 'unpacked.epub');
    await writeEpub(book, { title: 'Unpacked', date: '2022-02-02' });
    // RETAiL without a proof URL is held for review, never packed.
    const held = await releaseOf(app, operator, book, { group: 'ESP' });
    expect(held.state).not.toBe('done');
    const res = await send(held.id, 'sftp');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'NOT_PACKED', message: `Release is ${held.state}; only a packed release can be sent` });
    expect(await distributionOf(held.id, 'sftp')).toBeUndefined();
  });

  it('ends failed with its reason once every attempt has failed, and tells the webhooks', async () => {
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const hook = await app.http.post('/api/notifications/webhooks').set(as(admin)).send({ name: 'failures', kind: 'generic', url: receiverUrl, secret: 'a-webhook-secret-for-failures', events: ['release.distribution_failed'] });
    expect(hook.status).toBe(201);
    const release = await packed('Never Arrives');
    cutSftp.cut();
    expect((await send(release.id, 'sftp-down')).status).toBe(202);

    // The backoff between attempts (3 s, doubling: 93 s in all) is skipped by promoting each
    // delayed retry, as an operator can in Bull Board; every attempt still runs and fails.
    const job = () => app.context.queue.queue(QueueName.Distribute).getJob(jobIds.distribution(release.id, destinations['sftp-down']));
    const retrying = await waitFor('a failed attempt that will be retried', async () => {
      const d = await distributionOf(release.id, 'sftp-down');
      return d?.state === 'queued' && d.error ? d : undefined;
    }, 60_000, () => distributionOf(release.id, 'sftp-down'));
    expect(retrying.error).toMatch(/^attempt failed, retrying: SFTP transfer failed: /);
    const failed = await waitFor('the last attempt to fail', async () => {
      const current = await job();
      if (await current?.isDelayed()) await current!.promote().catch(() => undefined); // it may have just started
      const d = await distributionOf(release.id, 'sftp-down');
      return d?.state === 'failed' ? d : undefined;
    }, 120_000, () => distributionOf(release.id, 'sftp-down'));
    expect(failed).toMatchObject({ state: 'failed', attempts: 6 });
    // The reason of the last attempt, for people: what failed, not that it would be retried.
    expect(failed.error).toMatch(/^SFTP transfer failed: \S/);
    expect(failed.error).not.toMatch(/retrying|undefined|\[object/);
    // The row is written just before BullMQ moves the job to failed.
    const jobView = async () => (await app.http.get(`/api/jobs/distribute/${jobIds.distribution(release.id, destinations['sftp-down'])}`).set(as(admin))).body.job;
    const failedJob = await waitFor('the job to be failed', async () => {
      const view = await jobView();
      return view?.state === 'failed' ? view : undefined;
    }, 10_000, jobView);
    expect(failedJob).toMatchObject({ state: 'failed', attemptsMade: 6 });
    expect(fs.existsSync(path.join(sftp.root, 'down', release.name))).toBe(false);

    const told = await waitFor('the failure to be announced', async () => {
      const found = announced.filter((a) => a.event === 'release.distribution_failed' && a.body.release.id === release.id);
      return found.length > 0 ? found : undefined;
    }, 30_000, async () => announced.map((a) => a.event));
    expect(told.map((a) => a.body)).toEqual([
      expect.objectContaining({ event: 'release.distribution_failed', release: expect.objectContaining({ id: release.id, name: release.name }), distribution: { destination: 'sftp-down', state: 'failed', error: failed.error } }),
    ]);
    cutSftp.restore();
  }, 180_000);

  it('sends a failed delivery again once its cause is fixed', async () => {
    const release = await packed('Second Chance');
    expect((await send(release.id, 'sftp-fixable')).status).toBe(202);
    const failed = await waitFor('the refused login', async () => {
      const d = await distributionOf(release.id, 'sftp-fixable');
      return d?.state === 'failed' ? d : undefined;
    }, 30_000, () => distributionOf(release.id, 'sftp-fixable'));
    expect(failed.error).toMatch(/refused the login/);

    expect((await app.http.patch(`/api/destinations/${destinations['sftp-fixable']}`).set(as(admin)).send({ authType: 'key', secret: sftp.privateKey })).status).toBe(200);
    expect((await send(release.id, 'sftp-fixable')).status).toBe(202);
    const done = await waitFor('the resend', async () => {
      const d = await distributionOf(release.id, 'sftp-fixable');
      return d && ['done', 'failed'].includes(d.state) ? d : undefined;
    }, 60_000);
    expect(done).toMatchObject({ state: 'done', error: null });
    const remoteDir = path.join(sftp.root, 'fixable', release.name);
    for (const file of release.files) expect(sha256(path.join(remoteDir, file.fileName))).toBe(file.sha256);
  }, 90_000);

  it('refuses with 409 RELEASE_BUSY to send a release again while it is being uploaded there', async () => {
    const release = await packed('Still Sending');
    expect((await send(release.id, 'sftp-silent')).status).toBe(202);
    await waitFor('the upload to start', async () => ((await distributionOf(release.id, 'sftp-silent'))?.state === 'uploading' ? true : undefined), 30_000, () => distributionOf(release.id, 'sftp-silent'));
    const again = await send(release.id, 'sftp-silent');
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'RELEASE_BUSY', message: 'The release is being uploaded there right now' });
    expect(await distributionOf(release.id, 'sftp-silent')).toMatchObject({ state: 'uploading', attempts: 1 });
  }, 60_000);
});
