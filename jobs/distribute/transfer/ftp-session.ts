import { Client, FTPError } from 'basic-ftp';
import { ConnectionSettings, RemoteSession, TransferError } from './remote-session';

/** FTP and explicit FTPS (AUTH TLS) through basic-ftp; resume is APPE from the remote size. */
export async function openFtpSession(settings: ConnectionSettings): Promise<RemoteSession> {
  const client = new Client(settings.timeoutMs);
  try {
    await client.access({
      host: settings.host,
      port: settings.port,
      user: settings.username,
      password: settings.secret,
      secure: settings.protocol === 'ftps',
      secureOptions: { rejectUnauthorized: settings.tlsVerify, servername: settings.host },
    });
  } catch (err) {
    client.close();
    throw asTransferError(err);
  }
  const run = async <T>(action: () => Promise<T>) => {
    try {
      return await action();
    } catch (err) {
      throw asTransferError(err);
    }
  };
  return {
    size: (remotePath) =>
      run(async () => {
        try {
          return await client.size(remotePath);
        } catch (err) {
          if (err instanceof FTPError && err.code === 550) return undefined;
          throw err;
        }
      }),
    ensureDir: (remoteDir) =>
      run(async () => {
        await client.ensureDir(remoteDir);
        await client.cd('/');
      }),
    upload: (open, remotePath, offset, onBytes) =>
      run(async () => {
        client.trackProgress((info) => onBytes(info.bytes));
        const source = await open(offset);
        try {
          await (offset > 0 ? client.appendFrom(source, remotePath) : client.uploadFrom(source, remotePath));
        } finally {
          client.trackProgress();
          source.destroy(); // a failed transfer must not keep the file (or the store's connection) open
        }
      }),
    rename: (from, to) => run(async () => void (await client.rename(from, to))),
    remove: (remotePath) => run(async () => void (await client.remove(remotePath))),
    // Plain FTP has no standard checksum command; the size check is what FTP can verify.
    sha256: async () => undefined,
    close: () => client.close(),
  };
}

function asTransferError(err: unknown): TransferError {
  if (err instanceof TransferError) return err;
  if (err instanceof FTPError && err.code === 530) return new TransferError('the FTP server refused the login (530): check the user name and password', true);
  const message = err instanceof Error ? err.message : String(err);
  if (/self.signed|certificate|unable to verify/i.test(message)) {
    return new TransferError(`the FTPS certificate was refused (${message}); turn tlsVerify off only for a server you trust`, true);
  }
  return new TransferError(`FTP transfer failed: ${message}`, false);
}
