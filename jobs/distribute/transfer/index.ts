import { openFtpSession } from './ftp-session';
import type { ConnectionSettings, RemoteSession } from './remote-session';
import { openSftpSession } from './sftp-session';
import { guardUploads } from './stall-guard';

export { TransferError } from './remote-session';
export type { ConnectionSettings, RemoteSession } from './remote-session';

/** A session to the destination; an upload that moves no byte for the connection timeout is given up (stall-guard.ts). */
export async function openSession(settings: ConnectionSettings): Promise<RemoteSession> {
  const session = await (settings.protocol === 'sftp' ? openSftpSession(settings) : openFtpSession(settings));
  return guardUploads(session, settings.timeoutMs);
}
