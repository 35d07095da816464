import type { Readable } from 'node:stream';
import type { AuthType, Protocol } from '../../../db/models';

/** How to reach a destination, with its secret already decrypted. */
export interface ConnectionSettings {
  protocol: Protocol;
  host: string;
  port: number;
  username: string;
  authType: AuthType;
  /** Password, or an OpenSSH private key for SFTP. */
  secret: string;
  /** FTPS: check the server certificate against the system CAs. */
  tlsVerify: boolean;
  /** SFTP: the server's host key as `SHA256:<base64>` (ssh-keygen -lf); any key is accepted when unset. */
  hostFingerprint: string | null;
  timeoutMs: number;
}

/** The few remote operations a resumable, verified upload needs, over FTP, FTPS or SFTP alike. */
export interface RemoteSession {
  /** Size of a remote file; undefined when it does not exist. */
  size(remotePath: string): Promise<number | undefined>;
  /** Creates the directory and its parents as needed. */
  ensureDir(remoteDir: string): Promise<void>;
  /**
   * Sends a file from `offset` on, writing at that offset of the remote file; `open` streams the
   * file from a given offset (a local file, or a ranged read of the object store).
   */
  upload(open: (offset: number) => Promise<Readable>, remotePath: string, offset: number, onBytes: (sent: number) => void): Promise<void>;
  /** Renames over an existing file. */
  rename(from: string, to: string): Promise<void>;
  remove(remotePath: string): Promise<void>;
  /** The remote file's SHA-256 where the server can compute it; undefined where it cannot. */
  sha256(remotePath: string): Promise<string | undefined>;
  close(): void;
}

/** A transfer failure; permanent ones (bad credentials, refused host key) are not retried. */
export class TransferError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}
