import { Router } from 'express';
import { z, ZodType, ZodTypeDef } from 'zod';
import type { RequestHandler } from 'express';
import type { Resource } from '../../lib/permissions';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { pageQuery, Paginated, PageQuery } from '../pagination';
import { idParam } from '../params';
import { parseInput } from '../validate';
import type { Actor } from '../services/actor';

/** What a managed resource's service offers; the actor is passed for services with ownership rules. */
export interface CrudService<T, Filters, Create, Update> {
  list(query: PageQuery & Filters, actor: Actor): Promise<Paginated<T>>;
  get(id: number, actor: Actor): Promise<T>;
  create(input: Create, actor: Actor): Promise<T>;
  update(id: number, input: Update, actor: Actor): Promise<T>;
  remove(id: number, actor: Actor): Promise<void>;
}

export interface CrudRoutes<T, Filters, Create, Update> {
  resource: Resource;
  /** JSON keys of the answers, e.g. "template" and "templates". */
  one: string;
  many: string;
  service: CrudService<T, Filters, Create, Update>;
  filters: ZodType<Filters, ZodTypeDef, unknown>;
  create: ZodType<Create, ZodTypeDef, unknown>;
  update: ZodType<Update, ZodTypeDef, unknown>;
  authenticate: RequestHandler;
  /** Routes of the resource beyond CRUD, mounted before the generic ones. */
  extend?: (router: Router) => void;
}

/**
 * List (paginated, filtered), get, create, update and delete of one resource, each behind its
 * permission: READ, WRITE (create and update) and DELETE.
 */
export function crudRoutes<T, Filters, Create, Update>(spec: CrudRoutes<T, Filters, Create, Update>): Router {
  const { resource, one, many, service } = spec;
  const listQuery = pageQuery.and(spec.filters as ZodType<Filters, ZodTypeDef, unknown>) as unknown as ZodType<PageQuery & Filters, ZodTypeDef, unknown>;
  const router = Router();
  router.use(spec.authenticate);
  spec.extend?.(router);
  router
    .route('/')
    .get(requirePermission(resource, 'READ'), async (req, res) => {
      const { items, pagination } = await service.list(parseInput(listQuery, req.query, 'query'), actorOf(req));
      res.json({ [many]: items, pagination });
    })
    .post(requirePermission(resource, 'WRITE'), async (req, res) => {
      res.status(201).json({ [one]: await service.create(parseInput(spec.create, req.body), actorOf(req)) });
    })
    .all(methodNotAllowed);
  router
    .route('/:id')
    .get(requirePermission(resource, 'READ'), async (req, res) => {
      res.json({ [one]: await service.get(parseInput(idParam, req.params, `${one} id`).id, actorOf(req)) });
    })
    .patch(requirePermission(resource, 'WRITE'), async (req, res) => {
      const { id } = parseInput(idParam, req.params, `${one} id`);
      res.json({ [one]: await service.update(id, parseInput(spec.update, req.body), actorOf(req)) });
    })
    .delete(requirePermission(resource, 'DELETE'), async (req, res) => {
      await service.remove(parseInput(idParam, req.params, `${one} id`).id, actorOf(req));
      res.status(204).end();
    })
    .all(methodNotAllowed);
  return router;
}

/** Lists without filters. */
export const noFilters = z.object({});
