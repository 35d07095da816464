import { BaseModel } from './base-model';

export const USER_ROLES = ['admin', 'operator'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export class User extends BaseModel {
  static override tableName = 'users';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override booleanFields = ['disabled'];

  id!: number;
  email!: string;
  passwordHash!: string;
  role!: UserRole;
  disabled!: boolean;
  createdAt!: Date;
  updatedAt!: Date;

  /** The password hash never leaves the model. */
  override $formatJson(json: Record<string, unknown>) {
    const { passwordHash: _hidden, ...visible } = super.$formatJson(json);
    return visible;
  }
}
