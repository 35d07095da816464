/**
 * The permission vocabulary: a role is a set of resource x action pairs.
 * READ views, WRITE creates and edits one's own, MOD acts on everyone's (moderation: other users'
 * releases, forcing a name past the rules), DELETE removes.
 */
export const RESOURCES = ['releases', 'rules', 'templates', 'users', 'roles', 'groups', 'destinations', 'configurations', 'queues'] as const;
export const ACTIONS = ['READ', 'WRITE', 'MOD', 'DELETE'] as const;

export type Resource = (typeof RESOURCES)[number];
export type Action = (typeof ACTIONS)[number];
export type Permission = `${Resource}:${Action}`;

export const permissionOf = (resource: Resource, action: Action): Permission => `${resource}:${action}`;

export const ALL_PERMISSIONS: readonly Permission[] = RESOURCES.flatMap((r) => ACTIONS.map((a) => permissionOf(r, a)));

/** The role every permission check passes for; its permissions cannot be edited away (no lock-out). */
export const ADMIN_ROLE = 'admin';
