import type { Router } from 'express';
import { z } from 'zod';
import { idNumber, intNumber } from '../../lib/strict-numbers';
import type { ApiContext } from '../context';
import { AUTHOR_SEPARATORS, EBOOK_TAGS, TAG_CASES } from '../../lib/domain/naming-style';
import { crudRoutes } from './crud';
import { watchFolderSchema } from '../../lib/domain/watch-folder';

const ids = z.array(idNumber).max(500);
const nullableId = idNumber.nullable();
const volumeSizeMb = intNumber(1, 10_000).nullable();
export const createBody = z
  .object({
    tag: z.string().trim().regex(/^[A-Za-z0-9]{2,20}$/, '2 to 20 letters or digits (the scene group tag)'),
    name: z.string().trim().min(1).max(100),
    nfoTemplateId: nullableId.default(null),
    ruleId: nullableId.default(null),
    volumeSizeMb: volumeSizeMb.default(null),
    memberIds: ids.default([]),
    destinationIds: ids.default([]),
    authorSeparator: z.enum(AUTHOR_SEPARATORS).default('.'),
    tagCase: z.enum(TAG_CASES).default('mixed'),
    ebookTag: z.enum(EBOOK_TAGS).default('eBook'),
    publisherFirst: z.boolean().default(false),
    approvalRequired: z.boolean().default(false),
    confidenceThreshold: z.number().min(0).max(1).default(0),
    retailProofRequired: z.boolean().default(true),
    watchFolder: watchFolderSchema.nullable().default(null),
  })
  .strict();
export const updateBody = z
  .object({
    tag: createBody.shape.tag,
    name: createBody.shape.name,
    nfoTemplateId: nullableId,
    ruleId: nullableId,
    volumeSizeMb,
    memberIds: ids,
    destinationIds: ids,
    authorSeparator: z.enum(AUTHOR_SEPARATORS),
    tagCase: z.enum(TAG_CASES),
    ebookTag: z.enum(EBOOK_TAGS),
    publisherFirst: z.boolean(),
    approvalRequired: z.boolean(),
    confidenceThreshold: z.number().min(0).max(1),
    retailProofRequired: z.boolean(),
    watchFolder: watchFolderSchema.nullable(),
  })
  .partial()
  .strict();

export const listFilters = z.object({ q: z.string().trim().min(1).max(100).optional() });

export function groupRoutes({ services, authenticate }: ApiContext): Router {
  return crudRoutes({
    resource: 'groups',
    one: 'group',
    many: 'groups',
    service: services.groups,
    filters: listFilters,
    create: createBody,
    update: updateBody,
    authenticate,
  });
}
