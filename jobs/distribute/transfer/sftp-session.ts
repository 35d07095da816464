import { createHash } from 'node:crypto';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, SFTPWrapper } from 'ssh2';
import { ConnectionSettings, RemoteSession, TransferError } from './remote-session';

const NO_SUCH_FILE = 2;

/** SFTP through ssh2; resume writes at the remote size, and sha256sum over SSH verifies where the server allows it. */
export async function openSftpSession(settings: ConnectionSettings): Promise<RemoteSession> {
  const conn = new Client();
  // Always listened to: one failure can emit several errors (a reset, then "Connection lost before
  // handshake"), and an unheard one would end the whole worker process. Later errors surface
  // through the operation that hits them.
  conn.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    conn.once('ready', resolve);
    conn.once('error', (err: Error & { level?: string }) => reject(asTransferError(err)));
    conn.connect({
      host: settings.host,
      port: settings.port,
      username: settings.username,
      ...(settings.authType === 'key' ? { privateKey: settings.secret } : { password: settings.secret }),
      readyTimeout: settings.timeoutMs,
      keepaliveInterval: 10_000,
      hostVerifier: (key: Buffer) => !settings.hostFingerprint || fingerprintOf(key) === settings.hostFingerprint,
    });
  });
  // ssh2's streams do not fail when the connection goes away mid-write: fail them from here.
  const lost = new Promise<never>((_resolve, reject) => conn.once('close', () => reject(new TransferError('SFTP transfer failed: the connection was closed', false))));
  lost.catch(() => undefined);
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) => conn.sftp((err, s) => (err ? reject(asTransferError(err)) : resolve(s))));
  const call = <T>(fn: (done: (err: Error | null | undefined, value?: T) => void) => void) =>
    Promise.race([new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T)))), lost]);

  return {
    async size(remotePath) {
      try {
        return (await call<{ size: number }>((done) => sftp.stat(remotePath, done))).size;
      } catch (err) {
        if ((err as { code?: number }).code === NO_SUCH_FILE) return undefined;
        throw asTransferError(err);
      }
    },
    async ensureDir(remoteDir) {
      let current = remoteDir.startsWith('/') ? '/' : '';
      for (const part of remoteDir.split('/').filter(Boolean)) {
        current = path.posix.join(current, part);
        try {
          await call((done) => sftp.mkdir(current, done));
        } catch (err) {
          const isDir = await call<{ isDirectory(): boolean }>((done) => sftp.stat(current, done)).then((s) => s.isDirectory(), () => false);
          if (!isDir) throw asTransferError(err);
        }
      }
    },
    async upload(open, remotePath, offset, onBytes) {
      let sent = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, next) {
          sent += chunk.length;
          onBytes(sent);
          next(null, chunk);
        },
      });
      const source = await open(offset).catch((err: unknown) => {
        throw asTransferError(err);
      });
      const target = sftp.createWriteStream(remotePath, { flags: offset > 0 ? 'r+' : 'w', start: offset });
      try {
        await Promise.race([pipeline(source, counter, target), lost]);
      } catch (err) {
        source.destroy();
        throw asTransferError(err);
      }
    },
    async rename(from, to) {
      try {
        await call((done) => sftp.ext_openssh_rename(from, to, done));
      } catch (err) {
        throw asTransferError(err);
      }
    },
    async remove(remotePath) {
      await call((done) => sftp.unlink(remotePath, done)).catch((err) => {
        throw asTransferError(err);
      });
    },
    async sha256(remotePath) {
      return new Promise((resolve) => {
        conn.exec(`sha256sum -- '${remotePath.replace(/'/g, `'\\''`)}'`, (err, stream) => {
          if (err) return resolve(undefined);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d.toString()));
          stream.stderr.resume();
          stream.on('close', (code: number) => resolve(code === 0 ? /^([0-9a-f]{64})\b/.exec(out)?.[1] : undefined));
        });
      });
    },
    close: () => conn.end(),
  };
}

/** `SHA256:<base64 without padding>`, as ssh-keygen -lf prints it. */
export function fingerprintOf(hostKey: Buffer): string {
  return `SHA256:${createHash('sha256').update(hostKey).digest('base64').replace(/=+$/, '')}`;
}

function asTransferError(err: unknown): TransferError {
  if (err instanceof TransferError) return err;
  const e = err as Error & { level?: string };
  if (e.level === 'client-authentication') return new TransferError('the SFTP server refused the login: check the user name, password or key', true);
  if (/host key|hostVerifier|Host denied/i.test(e.message ?? '')) return new TransferError('the SFTP server host key does not match the pinned fingerprint', true);
  return new TransferError(`SFTP transfer failed: ${e.message ?? String(err)}`, false);
}
