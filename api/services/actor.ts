import type { User } from '../../db/models';
import { Action, ADMIN_ROLE, ALL_PERMISSIONS, Permission, permissionOf, Resource } from '../../lib/permissions';
import { RolePermission } from '../../db/models';

/** The authenticated user with what their role allows: what services check ownership rules against. */
export class Actor {
  constructor(
    readonly user: User,
    readonly permissions: ReadonlySet<Permission>,
  ) {}

  can(resource: Resource, action: Action): boolean {
    return this.permissions.has(permissionOf(resource, action));
  }

  /** Whether the actor may act on something owned by `ownerId` (their own, or anyone's with MOD). */
  owns(resource: Resource, ownerId: number): boolean {
    return ownerId === this.user.id || this.can(resource, 'MOD');
  }

  /** Those of `permissions` the actor lacks (granting or managing a role needs none missing). */
  lacks(permissions: Iterable<Permission>): Permission[] {
    return [...permissions].filter((p) => !this.permissions.has(p));
  }

  /** Loads the user's role; the admin role always holds every permission. */
  static async of(user: User): Promise<Actor> {
    return new Actor(user, await Actor.permissionsOfRole(user.role));
  }

  static async permissionsOfRole(role: string): Promise<Set<Permission>> {
    if (role === ADMIN_ROLE) return new Set(ALL_PERMISSIONS);
    const rows = await RolePermission.query()
      .joinRelated('role')
      .where('role.name', role)
      .select('role_permissions.resource', 'role_permissions.action');
    return new Set(rows.map((r) => permissionOf(r.resource, r.action)));
  }
}
