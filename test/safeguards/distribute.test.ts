import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { startFtpServer, startSftpServer, FtpServer, SftpServer } from '../support/transfer-servers';
import { as, Caller, PipelineWorld, releaseOf, startPipelineWorld } from '../support/pipeline-world';
import type { TestApp } from '../support/test-app';
import { waitFor } from '../support/worker-process';

/**
 * The distribution safeguards against real pure-ftpd and OpenSSH servers: a file whose remote
 * SHA-256 differs from the packed one is never accepted (it is removed and sent again after the
 * backoff), a disabled destination and an unpacked release get nothing, and a failed delivery can
 * be sent again once its cause is fixed.
 */
let world: PipelineWorld<'admin' | 'operator'>;
let app: TestApp;
let ftp: FtpServer;
let sftp: SftpServer;
let admin: Caller;
let operator: Caller;
const destinations: Record<string, number> = {};

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(async () => {
  ftp = await startFtpServer();
  sftp = await startSftpServer();
  world = await startPipelineWorld({
    users: { admin: ['admin', 'admin@example.test', []], operator: ['operator', 'op@example.test'] },
    async prepare({ createDestination, users }) {
      const create = async (name: string, body: Record<string, unknown>) => {
        destinations[name] = await createDestination(users.admin, name, body);
      };
      await create('sftp', { protocol: 'sftp', port: sftp.port, username: sftp.username, authType: 'key', secret: sftp.privateKey, remotePath: path.join(sftp.root, 'out'), hostFingerprint: sftp.hostFingerprint });
      await create('sftp-fixable', { protocol: 'sftp', port: sftp.port, username: sftp.username, authType: 'password', secret: 'not-the-password', remotePath: path.join(sftp.root, 'fixable'), hostFingerprint: sftp.hostFingerprint });
      await create('ftp-disabled', { protocol: 'ftp', port: ftp.port, username: ftp.username, secret: ftp.password, remotePath: '/disabled', enabled: false });
    },
  });
  ({ app, users: { admin, operator } } = world);
}, 90_000);
afterAll(async () => {
  await world.close();
  await ftp.stop();
  await sftp.stop();
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
    expect(res.body.error.code).toBe('NOT_PACKED');
    expect(await distributionOf(held.id, 'sftp')).toBeUndefined();
  });

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
});
