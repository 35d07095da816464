import { Router } from 'express';
import { methodNotAllowed } from '../middleware/errors';
import type { ApiContext } from '../context';

/** Unauthenticated health check for load balancers and the scheduler's health watch. */
export function healthRoutes({ services }: ApiContext): Router {
  const router = Router();
  router
    .route('/')
    .get(async (_req, res) => {
      const report = await services.health.check();
      res.status(report.status === 'down' ? 503 : 200).set('Cache-Control', 'no-store').json(report);
    })
    .all(methodNotAllowed);
  return router;
}
