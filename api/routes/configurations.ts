import { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../lib/errors';
import { isSettingKey, RUNTIME_SETTINGS, SettingKey } from '../../lib/runtime-settings';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

export const setBody = z.object({ value: z.union([z.string(), z.number()]) }).strict();

/** Runtime settings (configurations:*): secrets are write-only, environment values win and say so. */
export function configurationRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();
  router.use(authenticate);
  router
    .route('/')
    .get(requirePermission('configurations', 'READ'), async (_req, res) => {
      res.json({ configurations: await services.settings.list() });
    })
    .all(methodNotAllowed);
  router
    .route('/:key')
    .get(requirePermission('configurations', 'READ'), async (req, res) => {
      res.json({ configuration: await services.settings.get(keyOf(req.params)) });
    })
    .put(requirePermission('configurations', 'WRITE'), async (req, res) => {
      const key = keyOf(req.params);
      const { value } = parseInput(setBody, req.body, key);
      const valid = parseInput(z.object({ value: RUNTIME_SETTINGS[key].schema }), { value }, key).value;
      res.json({ configuration: await services.settings.set(key, valid, actorOf(req).user.id) });
    })
    .delete(requirePermission('configurations', 'DELETE'), async (req, res) => {
      await services.settings.unset(keyOf(req.params));
      res.status(204).end();
    })
    .all(methodNotAllowed);
  return router;
}

function keyOf(params: Record<string, string>): SettingKey {
  if (!isSettingKey(params.key)) throw new NotFoundError(`Setting ${params.key} (known: ${Object.keys(RUNTIME_SETTINGS).join(', ')})`);
  return params.key;
}
