import { BaseModel } from './base-model';

export class RefreshToken extends BaseModel {
  static override tableName = 'refresh_tokens';
  static override dateFields = ['expiresAt', 'usedAt', 'revokedAt', 'createdAt'];
  static override timestamps = false;

  id!: string;
  userId!: number;
  familyId!: string;
  tokenHash!: string;
  expiresAt!: Date;
  usedAt!: Date | null;
  revokedAt!: Date | null;
  createdAt!: Date;
}
