import { BaseModel } from './base-model';
import type { Action, Resource } from '../../lib/permissions';

export class RolePermission extends BaseModel {
  static override tableName = 'role_permissions';
  static override timestamps = false;

  id!: number;
  roleId!: number;
  resource!: Resource;
  action!: Action;

  static override relationMappings = () => ({
    role: {
      relation: BaseModel.BelongsToOneRelation,
      modelClass: Role,
      join: { from: 'role_permissions.roleId', to: 'roles.id' },
    },
  });
}

export class Role extends BaseModel {
  static override tableName = 'roles';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override booleanFields = ['builtin'];

  id!: number;
  name!: string;
  description!: string;
  builtin!: boolean;
  createdAt!: Date;
  updatedAt!: Date;
  permissions?: RolePermission[];

  static override relationMappings = () => ({
    permissions: {
      relation: BaseModel.HasManyRelation,
      modelClass: RolePermission,
      join: { from: 'roles.id', to: 'role_permissions.roleId' },
    },
  });

  /** Permissions as "resource:ACTION" strings, the shape the API shows and accepts. */
  override $formatJson(json: Record<string, unknown>) {
    const formatted = super.$formatJson(json);
    if (this.permissions) formatted.permissions = this.permissions.map((p) => `${p.resource}:${p.action}`).sort();
    return formatted;
  }
}
