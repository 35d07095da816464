import type { Router } from 'express';
import { z } from 'zod';
import type { ApiContext } from '../context';
import { crudRoutes } from './crud';

const ids = z.array(z.number().int().positive()).max(500);
const nullableId = z.number().int().positive().nullable();
const createBody = z
  .object({
    tag: z.string().trim().regex(/^[A-Za-z0-9]{2,20}$/, '2 to 20 letters or digits (the scene group tag)'),
    name: z.string().trim().min(1).max(100),
    nfoTemplateId: nullableId.default(null),
    ruleId: nullableId.default(null),
    volumeSizeMb: z.number().int().positive().nullable().default(null),
    memberIds: ids.default([]),
    destinationIds: ids.default([]),
  })
  .strict();
const updateBody = z
  .object({
    tag: createBody.shape.tag,
    name: createBody.shape.name,
    nfoTemplateId: nullableId,
    ruleId: nullableId,
    volumeSizeMb: z.number().int().positive().nullable(),
    memberIds: ids,
    destinationIds: ids,
  })
  .partial()
  .strict();

export function groupRoutes({ services, authenticate }: ApiContext): Router {
  return crudRoutes({
    resource: 'groups',
    one: 'group',
    many: 'groups',
    service: services.groups,
    filters: z.object({ q: z.string().trim().min(1).max(100).optional() }),
    create: createBody,
    update: updateBody,
    authenticate,
  });
}
