import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';
import { ReleaseFileService } from '../services/release-file-service';

export const releaseFileParams = z.object({
  id: z.string().uuid(),
  // A file name the release lists: no folders, no dot-files.
  name: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/, 'a file name of the release'),
});
export const sha256Params = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits') });

/**
 * What clients such as the esp CLI need beyond the resource routes: a published file's bytes and
 * an upload found by its SHA-256 (so a batch can skip what is already stored without sending it).
 * Mounted at /api before the upload and release routes.
 */
export function automationRoutes({ config, services, authenticate }: ApiContext): Router {
  const files = new ReleaseFileService(config, services.releases);
  const router = Router();

  router
    .route('/uploads/by-sha256/:sha256')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const { sha256 } = parseInput(sha256Params, req.params, 'hash');
      const upload = await files.uploadBySha256(actorOf(req), sha256);
      if (!upload) throw new NotFoundError(`Upload with SHA-256 ${sha256}`);
      res.json({ upload });
    })
    .all(authenticate, methodNotAllowed);

  router
    .route('/releases/:id/files/:name')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const { id, name } = parseInput(releaseFileParams, req.params, 'release file');
      const file = await files.pathOf(actorOf(req), id, name);
      res.attachment(name);
      // Every file is a download, whatever its extension would suggest to a browser.
      res.type('application/octet-stream');
      res.sendFile(file.path, { dotfiles: 'deny' });
    })
    .all(authenticate, methodNotAllowed);

  return router;
}
