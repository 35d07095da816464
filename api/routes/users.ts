import { Router } from 'express';
import { z } from 'zod';
import { USER_ROLES } from '../../db/models';
import { methodNotAllowed } from '../middleware/errors';
import { requireRole, userOf } from '../middleware/authenticate';
import { MIN_PASSWORD_LENGTH } from '../services/password';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

const password = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);
const createBody = z.object({ email: z.string().trim().email().max(254), password, role: z.enum(USER_ROLES).default('operator') });
const updateBody = z
  .object({ role: z.enum(USER_ROLES).optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((v) => v.role !== undefined || v.disabled !== undefined, 'give role or disabled');
const passwordBody = z.object({ password });
const idParam = z.object({ id: z.coerce.number().int().positive() });

/** Admin-only account management. */
export function userRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate, requireRole('admin'));

  router
    .route('/')
    .get(async (_req, res) => {
      res.json({ users: await services.users.list() });
    })
    .post(async (req, res) => {
      res.status(201).json({ user: await services.users.create(parseInput(createBody, req.body)) });
    })
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'user id');
      res.json({ user: await services.users.get(id) });
    })
    .patch(async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'user id');
      res.json({ user: await services.users.update(id, parseInput(updateBody, req.body), userOf(req).id) });
    })
    .all(methodNotAllowed);

  router
    .route('/:id/password')
    .post(async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'user id');
      await services.users.resetPassword(id, parseInput(passwordBody, req.body).password);
      res.status(204).end();
    })
    .all(methodNotAllowed);

  return router;
}
