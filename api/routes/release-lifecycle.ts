import { Router } from 'express';
import { z } from 'zod';
import { followUpSchema, releaseEditSchema, releaseOptionsSchema } from '../../lib/domain/release-options';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { uuidParam } from '../params';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';
import { FollowUpService } from '../services/follow-up-service';
import { ReleasePreviewService } from '../services/release-preview-service';
import { ReleaseReviewService } from '../services/release-review-service';

const requestBody = z.object({ uploadId: z.string().uuid(), options: releaseOptionsSchema }).strict();
export const rematchBody = z.union([
  z.object({ isbn: z.string().trim().regex(/^[0-9Xx -]{10,17}$/, 'an ISBN-10 or ISBN-13') }).strict(),
  z.object({ title: z.string().trim().min(1).max(300), author: z.string().trim().min(1).max(200).optional() }).strict(),
]);

/**
 * The release lifecycle: dry runs, the review hold (edit, rematch, approve) and follow-ups.
 * Mounted before the release routes (its paths would otherwise answer 405 there), so each route
 * authenticates itself rather than the whole router.
 */
export function releaseLifecycleRoutes(context: ApiContext): Router {
  const { services, authenticate, config, redis, queue, logger } = context;
  const previews = new ReleasePreviewService(config, redis, services.settings, services.releases, services.uploads);
  const reviews = new ReleaseReviewService(services.releases, previews, queue, logger);
  const followUps = new FollowUpService(services.releases, logger);
  const router = Router();

  router
    .route('/preview')
    .post(authenticate, requirePermission('releases', 'WRITE'), async (req, res) => {
      res.json({ preview: await previews.previewRequest(actorOf(req), parseInput(requestBody, req.body)) });
    })
    .all(authenticate, methodNotAllowed);

  router
    .route('/:id')
    .patch(authenticate, requirePermission('releases', 'WRITE'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.json(await reviews.edit(actorOf(req), id, parseInput(releaseEditSchema, req.body)));
    });

  router
    .route('/:id/preview')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.json({ preview: await previews.previewOf(actorOf(req), id) });
    })
    .all(authenticate, methodNotAllowed);

  router
    .route('/:id/approve')
    .post(authenticate, requirePermission('releases', 'WRITE'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.status(202).json({ release: await reviews.approve(actorOf(req), id) });
    })
    .all(authenticate, methodNotAllowed);

  router
    .route('/:id/rematch')
    .post(authenticate, requirePermission('releases', 'WRITE'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      res.json(await reviews.rematch(actorOf(req), id, parseInput(rematchBody, req.body)));
    })
    .all(authenticate, methodNotAllowed);

  router
    .route('/:id/follow-ups')
    .post(authenticate, requirePermission('releases', 'WRITE'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'release id');
      const { release, created } = await followUps.create(actorOf(req), id, parseInput(followUpSchema, req.body));
      res.status(created ? 202 : 200).json({ release, created });
    })
    .all(authenticate, methodNotAllowed);

  return router;
}
