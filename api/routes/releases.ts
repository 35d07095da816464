import { Router } from 'express';
import { z } from 'zod';
import { RELEASE_STATES } from '../../db/models';
import { RELEASE_TYPES, releaseOptionsSchema } from '../../lib/domain/release-options';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { pageQuery } from '../pagination';
import { isoDateText, uuidParam } from '../params';
import { idText } from '../../lib/strict-numbers';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

export const requestBody = z.object({ uploadId: z.string().uuid(), options: releaseOptionsSchema }).strict();
export const distributionParams = z.object({ id: z.string().uuid(), destinationId: idText });
export const listQuery = pageQuery.extend({
  type: z.string().toUpperCase().pipe(z.enum(RELEASE_TYPES)).optional(),
  state: z.enum(RELEASE_STATES).optional(),
  group: z.string().trim().max(20).optional(),
  userId: idText.optional(),
  from: isoDateText.optional(),
  to: isoDateText.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  sort: z.enum(['createdAt', '-createdAt', 'name', '-name', 'state', '-state', 'updatedAt', '-updatedAt']).default('-createdAt'),
});

export function releaseRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate);

  router
    .route('/')
    .post(requirePermission('releases', 'WRITE'), async (req, res) => {
      const { release, created } = await services.releases.request(actorOf(req), parseInput(requestBody, req.body));
      res.status(created ? 202 : 200).json({ release, created });
    })
    .get(requirePermission('releases', 'READ'), async (req, res) => {
      const { items, pagination } = await services.releases.list(actorOf(req), parseInput(listQuery, req.query, 'query'));
      res.json({ releases: items, pagination });
    })
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(requirePermission('releases', 'READ'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.json({ release: await services.releases.getVisible(actorOf(req), id) });
    })
    .delete(requirePermission('releases', 'DELETE'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      await services.releases.remove(actorOf(req), id);
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/:id/cancel')
    .post(requirePermission('releases', 'WRITE'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.json({ release: await services.releases.cancel(actorOf(req), id) });
    })
    .all(methodNotAllowed);

  router
    .route('/:id/retry')
    .post(requirePermission('releases', 'WRITE'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.status(202).json({ release: await services.releases.retry(actorOf(req), id), retryOf: id });
    })
    .all(methodNotAllowed);

  router
    .route('/:id/validation')
    .get(requirePermission('releases', 'READ'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.json({ validation: await services.validation.validate(actorOf(req), id) });
    })
    .all(methodNotAllowed);

  // Send (again) a packed release to a destination: after a failure, or to one added later.
  router
    .route('/:id/distributions/:destinationId')
    .post(requirePermission('releases', 'WRITE'), async (req, res) => {
      const { id, destinationId } = parseInput(distributionParams, req.params, 'distribution');
      res.status(202).json({ distribution: await services.destinations.distribute(actorOf(req), id, destinationId) });
    })
    .all(methodNotAllowed);

  return router;
}
