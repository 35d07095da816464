import type { Router } from 'express';
import { z } from 'zod';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { idParam } from '../params';
import { withoutControlCharacters } from '../../lib/domain/control-characters';
import { boundedText, parseInput, TEXT_COLUMN_BYTES } from '../validate';
import type { ApiContext } from '../context';
import { MAX_TEMPLATE_CHARS } from '../../jobs/pack/engine/nfo-template';
import { crudRoutes } from './crud';

// Terminal control characters (ESC, BEL, NUL...) would end up in published .nfo files, and in listings.
const body = withoutControlCharacters(boundedText(MAX_TEMPLATE_CHARS, TEXT_COLUMN_BYTES));
export const createBody = z
  .object({
    name: withoutControlCharacters(z.string().trim().min(1).max(100)),
    description: withoutControlCharacters(z.string().trim().max(255)).default(''),
    body,
  })
  .strict();
export const previewBody = z.object({ releaseId: z.string().uuid().optional() }).strict();
export const draftBody = previewBody.extend({ body }).strict();

export const listFilters = z.object({ q: z.string().trim().min(1).max(100).optional() });

export function templateRoutes({ services, authenticate }: ApiContext): Router {
  return crudRoutes({
    resource: 'templates',
    one: 'template',
    many: 'templates',
    service: services.templates,
    filters: listFilters,
    create: createBody,
    update: createBody.partial().strict(),
    authenticate,
    extend: (router) => {
      // A draft, before it is saved.
      router
        .route('/preview')
        .post(requirePermission('templates', 'READ'), async (req, res) => {
          const { body: draft, releaseId } = parseInput(draftBody, req.body);
          res.json({ preview: await services.templates.preview(actorOf(req), { body: draft }, releaseId) });
        })
        .all(methodNotAllowed);
      router
        .route('/:id/preview')
        .post(requirePermission('templates', 'READ'), async (req, res) => {
          const { id } = parseInput(idParam, req.params, 'template id');
          const { releaseId } = parseInput(previewBody, req.body);
          res.json({ preview: await services.templates.preview(actorOf(req), { id }, releaseId) });
        })
        .all(methodNotAllowed);
    },
  });
}
