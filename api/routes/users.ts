import { Router } from 'express';
import { z } from 'zod';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { pageQuery } from '../pagination';
import { idParam } from '../params';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH, passwordFitsBcrypt } from '../../lib/password';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

const roleName = z.string().trim().min(2).max(40);
const password = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .refine(passwordFitsBcrypt, `must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`);
export const createBody = z.object({ email: z.string().trim().email().max(254), password, role: roleName.default('operator') });
export const updateBody = z
  .object({ role: roleName.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((v) => v.role !== undefined || v.disabled !== undefined, 'give role or disabled');
export const passwordBody = z.object({ password });

/** Account management, behind the users:* permissions (and the grant rules of UserService). */
export function userRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate);

  router
    .route('/')
    .get(requirePermission('users', 'READ'), async (req, res) => {
      const { items, pagination } = await services.users.list(parseInput(pageQuery, req.query, 'query'));
      res.json({ users: items, pagination });
    })
    .post(requirePermission('users', 'WRITE'), async (req, res) => {
      res.status(201).json({ user: await services.users.create(parseInput(createBody, req.body), actorOf(req)) });
    })
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(requirePermission('users', 'READ'), async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'user id');
      res.json({ user: await services.users.get(id) });
    })
    .patch(requirePermission('users', 'WRITE'), async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'user id');
      res.json({ user: await services.users.update(id, parseInput(updateBody, req.body), actorOf(req)) });
    })
    .all(methodNotAllowed);

  router
    .route('/:id/password')
    .post(requirePermission('users', 'WRITE'), async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'user id');
      await services.users.resetPassword(id, parseInput(passwordBody, req.body).password, actorOf(req));
      res.status(204).end();
    })
    .all(methodNotAllowed);

  // Lifting a login lock-out grants nothing, so users:WRITE is enough even for an admin's account.
  router
    .route('/:id/unlock')
    .post(requirePermission('users', 'WRITE'), async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'user id');
      res.json(await services.users.unlock(id));
    })
    .all(methodNotAllowed);

  return router;
}
