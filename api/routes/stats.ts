import { Router } from 'express';
import { methodNotAllowed } from '../middleware/errors';
import { requirePermission } from '../middleware/authorize';
import type { ApiContext } from '../context';

/** Dashboard figures across everyone's work: queues:READ. */
export function statsRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate);
  router
    .route('/')
    .get(requirePermission('queues', 'READ'), async (_req, res) => {
      res.json({ stats: await services.stats.overview() });
    })
    .all(methodNotAllowed);
  return router;
}
