import { openFtpSession } from './ftp-session';
import type { ConnectionSettings, RemoteSession } from './remote-session';
import { openSftpSession } from './sftp-session';

export { TransferError } from './remote-session';
export type { ConnectionSettings, RemoteSession } from './remote-session';

export function openSession(settings: ConnectionSettings): Promise<RemoteSession> {
  return settings.protocol === 'sftp' ? openSftpSession(settings) : openFtpSession(settings);
}
