import { Router } from 'express';
import { z } from 'zod';
import { methodNotAllowed } from '../middleware/errors';
import { userOf } from '../middleware/authenticate';
import { receiveMultipartFile } from '../multipart';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

const idParam = z.object({ id: z.string().uuid() });

export function uploadRoutes({ config, services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate);

  router
    .route('/')
    .post(async (req, res) => {
      const user = userOf(req);
      let file;
      try {
        file = await receiveMultipartFile(req, config.storage.uploadDir, config.storage.maxUploadBytes);
      } catch (err) {
        // The rest of a refused body is not read: close the connection after answering.
        res.setHeader('Connection', 'close');
        throw err;
      }
      const { upload, duplicate } = await services.uploads.register(user, file);
      res.status(duplicate ? 200 : 202).json({ upload, duplicate });
    })
    .get(async (req, res) => {
      res.json({ uploads: await services.uploads.list(userOf(req)) });
    })
    .all(methodNotAllowed);

  router
    .route('/:id')
    .get(async (req, res) => {
      const { id } = parseInput(idParam, req.params, 'upload id');
      res.json({ upload: await services.uploads.getVisible(userOf(req), id) });
    })
    .all(methodNotAllowed);

  return router;
}
