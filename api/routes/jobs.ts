import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors';
import { QueueName } from '../../lib/domain/queue-names';
import { methodNotAllowed } from '../middleware/errors';
import { requirePermission } from '../middleware/authorize';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

export const params = z.object({ queue: z.nativeEnum(QueueName), id: z.string().min(1).max(191) });

/** Raw BullMQ job state, for operators debugging the pipeline (queues:READ). */
export function jobRoutes({ queue, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate, requirePermission('queues', 'READ'));
  router
    .route('/:queue/:id')
    .get(async (req, res) => {
      const { queue: queueName, id } = parseInput(params, req.params, 'job reference');
      const job = await queue.getJobView(queueName, id);
      if (!job) throw new NotFoundError(`Job ${queueName}/${id}`);
      res.json({ job });
    })
    .all(methodNotAllowed);
  return router;
}
