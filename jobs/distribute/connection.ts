import type { Config } from '../../lib/config';
import { SecretBox } from '../../lib/secret-box';
import type { Destination } from '../../db/models';
import type { ConnectionSettings } from './transfer';

export const CONNECT_TIMEOUT_MS = 15_000;

/** A destination row as connection settings, its secret decrypted only here, in memory. */
export function connectionOf(config: Pick<Config, 'secrets'>, destination: Destination): ConnectionSettings {
  return {
    protocol: destination.protocol,
    host: destination.host,
    port: destination.port,
    username: destination.username,
    authType: destination.authType,
    secret: new SecretBox(config.secrets).open(destination.secretEncrypted),
    tlsVerify: destination.tlsVerify,
    hostFingerprint: destination.hostFingerprint,
    timeoutMs: CONNECT_TIMEOUT_MS,
  };
}
