import { Router } from 'express';
import { z } from 'zod';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { parseInput } from '../validate';
import { ReleaseDownloadService } from '../services/release-download-service';
import type { ApiContext } from '../context';

const releaseParams = z.object({ id: z.string().uuid() });

/**
 * GET /:id/archive: the whole published release as a zip stream (releases:READ, own releases
 * unless MOD). One file at a time: GET /:id/files/:name (routes/automation.ts).
 */
export function downloadRoutes({ config, services, authenticate }: ApiContext): Router {
  const downloads = new ReleaseDownloadService(config, services.releases);
  const router = Router();

  router
    .route('/:id/archive')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const { id } = parseInput(releaseParams, req.params, 'release id');
      const release = await downloads.files(actorOf(req), id);
      res.attachment(`${release.name}.zip`);
      res.setHeader('Cache-Control', 'private, no-store');
      // Once streaming has begun a failure can only cut the answer short (the zip is then invalid).
      await downloads.writeArchive(release, res).catch((err: Error) => res.destroy(err));
    })
    .all(authenticate, methodNotAllowed);

  return router;
}
