import type { Router } from 'express';
import { z } from 'zod';
import { ALL_PERMISSIONS, Permission } from '../../lib/permissions';
import type { ApiContext } from '../context';
import { crudRoutes, noFilters } from './crud';

const permission = z.string().refine((p): p is Permission => (ALL_PERMISSIONS as readonly string[]).includes(p), 'a permission such as releases:READ');
export const createBody = z
  .object({
    // users.role holds the name: at most 20 characters.
    name: z.string().trim().regex(/^[a-z][a-z0-9_-]{1,19}$/, '2 to 20 lower-case letters, digits, - or _'),
    description: z.string().trim().max(255).default(''),
    permissions: z.array(permission).max(ALL_PERMISSIONS.length),
  })
  .strict();
export const updateBody = createBody.omit({ name: true }).partial().strict();

export function roleRoutes({ services, authenticate }: ApiContext): Router {
  return crudRoutes({ resource: 'roles', one: 'role', many: 'roles', service: services.roles, filters: noFilters, create: createBody, update: updateBody, authenticate });
}
