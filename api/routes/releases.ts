import { Router } from 'express';
import { z } from 'zod';
import { releaseOptionsSchema } from '../../jobs/release-options';
import { methodNotAllowed } from '../middleware/errors';
import { userOf } from '../middleware/authenticate';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

const requestBody = z.object({ uploadId: z.string().uuid() }).merge(z.object({ options: releaseOptionsSchema }));
const idParam = z.object({ id: z.string().uuid() });

export function releaseRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate);

  router
    .route('/')
    .post(async (req, res) => {
      const { release, created } = await services.releases.request(userOf(req), parseInput(requestBody, req.body));
      res.status(created ? 202 : 200).json({ release, created });
    })
    .get(async (req, res) => {
      res.json({ releases: await services.releases.list(userOf(req)) });
    })
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'release id');
      res.json({ release: await services.releases.getVisible(userOf(req), id) });
    })
    .delete(async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'release id');
      res.json({ release: await services.releases.cancel(userOf(req), id) });
    })
    .all(methodNotAllowed);

  return router;
}
