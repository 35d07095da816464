import { Router } from 'express';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { pageQuery } from '../pagination';
import { uuidParam } from '../params';
import { receiveMultipartFile } from '../multipart';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

export function uploadRoutes({ config, services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate);

  router
    .route('/')
    .post(requirePermission('releases', 'WRITE'), async (req, res) => {
      const { user } = actorOf(req);
      let file;
      try {
        file = await receiveMultipartFile(req, services.uploads.sink(), config.storage.maxUploadBytes);
      } catch (err) {
        // The rest of a refused body is not read: close the connection after answering.
        res.setHeader('Connection', 'close');
        throw err;
      }
      const { upload, duplicate } = await services.uploads.register(user, file);
      res.status(duplicate ? 200 : 202).json({ upload, duplicate });
    })
    .get(requirePermission('releases', 'READ'), async (req, res) => {
      const { items, pagination } = await services.uploads.list(actorOf(req), parseInput(pageQuery, req.query, 'query'));
      res.json({ uploads: items, pagination });
    })
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(requirePermission('releases', 'READ'), async (req, res) => {
      const { id } = parseInput(uuidParam, req.params, 'upload id');
      res.json({ upload: await services.uploads.getVisible(actorOf(req), id) });
    })
    .all(methodNotAllowed);

  return router;
}
