import { BaseModel } from './base-model';

export class User extends BaseModel {
  static override tableName = 'users';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override booleanFields = ['disabled'];

  id!: number;
  email!: string;
  passwordHash!: string;
  /** Name of the user's role (roles.name); its permissions decide what the user may do. */
  role!: string;
  disabled!: boolean;
  createdAt!: Date;
  updatedAt!: Date;

  /** The password hash never leaves the model. */
  override $formatJson(json: Record<string, unknown>) {
    const { passwordHash: _hidden, ...visible } = super.$formatJson(json);
    return visible;
  }
}
