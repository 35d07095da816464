import type { Transaction } from 'objection';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { ADMIN_ROLE, Permission } from '../../lib/permissions';
import { Role, RolePermission, User } from '../../db/models';
import { paginate, PageQuery, Paginated } from '../pagination';

export interface RoleInput {
  name: string;
  description: string;
  permissions: Permission[];
}

/** Roles as named sets of permissions. The admin role is fixed, so nobody can lock everyone out. */
export class RoleService {
  async list(page: PageQuery): Promise<Paginated<Role>> {
    return paginate(Role.query().withGraphFetched('permissions').orderBy('name'), page);
  }

  async get(id: number): Promise<Role> {
    const role = await Role.query().findById(id).withGraphFetched('permissions');
    if (!role) throw new NotFoundError(`Role ${id}`);
    return role;
  }

  async create(input: RoleInput): Promise<Role> {
    if (await Role.query().findOne({ name: input.name })) throw new ConflictError(`A role named ${input.name} already exists`, 'ROLE_EXISTS');
    const id = await Role.transaction(async (trx) => {
      const role = await Role.query(trx).insert({ name: input.name, description: input.description, builtin: false });
      await this.replacePermissions(role.id, input.permissions, trx);
      return role.id;
    });
    return this.get(id);
  }

  async update(id: number, changes: Partial<Omit<RoleInput, 'name'>>): Promise<Role> {
    const role = await this.get(id);
    if (role.name === ADMIN_ROLE) throw new ConflictError('The admin role always holds every permission', 'ROLE_PROTECTED');
    await Role.transaction(async (trx) => {
      if (changes.description !== undefined) await role.$query(trx).patch({ description: changes.description });
      if (changes.permissions) await this.replacePermissions(id, changes.permissions, trx);
    });
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    const role = await this.get(id);
    if (role.builtin) throw new ConflictError(`The ${role.name} role is built in`, 'ROLE_PROTECTED');
    const holders = await User.query().where({ role: role.name }).resultSize();
    if (holders > 0) throw new ConflictError(`${holders} user(s) still have the ${role.name} role`, 'ROLE_IN_USE');
    await role.$query().delete();
  }

  private async replacePermissions(roleId: number, permissions: Permission[], trx: Transaction): Promise<void> {
    await RolePermission.query(trx).delete().where({ roleId });
    const rows = [...new Set(permissions)].map((p) => {
      const [resource, action] = p.split(':');
      return { roleId, resource, action };
    });
    if (rows.length) await trx(RolePermission.tableName).insert(rows);
  }
}
