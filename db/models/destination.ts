import { BaseModel, withSecretFlag } from './base-model';

export const PROTOCOLS = ['ftp', 'ftps', 'sftp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const AUTH_TYPES = ['password', 'key'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export class Destination extends BaseModel {
  static override tableName = 'destinations';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override booleanFields = ['enabled', 'tlsVerify'];

  id!: number;
  name!: string;
  protocol!: Protocol;
  host!: string;
  port!: number;
  username!: string;
  authType!: AuthType;
  secretEncrypted!: string;
  remotePath!: string;
  tlsVerify!: boolean;
  hostFingerprint!: string | null;
  enabled!: boolean;
  createdAt!: Date;
  updatedAt!: Date;

  /** The encrypted password or key never leaves the model; clients only learn that one is set. */
  override $formatJson(json: Record<string, unknown>) {
    const { secretEncrypted: _hidden, ...visible } = super.$formatJson(json);
    return withSecretFlag(visible, this.secretEncrypted);
  }
}
