import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

export const sha256Params = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits') });

/**
 * What clients such as the esp CLI need beyond the resource routes: an upload found by its
 * SHA-256 (so a batch can skip what is already stored without sending it). A published file's
 * bytes: routes/downloads.ts. Mounted at /api before the upload and release routes.
 */
export function automationRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();

  router
    .route('/uploads/by-sha256/:sha256')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const { sha256 } = parseInput(sha256Params, req.params, 'hash');
      const upload = await services.uploads.bySha256(actorOf(req), sha256);
      if (!upload) throw new NotFoundError(`Upload with SHA-256 ${sha256}`);
      res.json({ upload });
    })
    .all(authenticate, methodNotAllowed);

  return router;
}
