import fsp from 'node:fs/promises';
import type { Router } from 'express';
import { z } from 'zod';
import { discard, partialFileSink } from '../../lib/file-store';
import { ruleLimitsSchema } from '../../lib/domain/rule-limits';
import { RELEASE_TYPES } from '../../lib/domain/release-options';
import { methodNotAllowed } from '../middleware/errors';
import { requirePermission } from '../middleware/authorize';
import { receiveMultipartFile } from '../multipart';
import { parseInput } from '../validate';
import { intNumber, intText } from '../../lib/strict-numbers';
import type { ApiContext } from '../context';
import { crudRoutes } from './crud';

const MAX_RULES_FILE_BYTES = 256 * 1024;
const section = z.string().trim().toUpperCase().pipe(z.enum(RELEASE_TYPES));
const YEARS = [1990, 2100] as const;
const year = intNumber(...YEARS);
const yearText = intText(...YEARS);
const scene = z.string().trim().min(1).max(60);
export const createBody = z
  .object({ section, year, scene, title: z.string().trim().min(1).max(200), body: z.string().max(MAX_RULES_FILE_BYTES), limits: ruleLimitsSchema })
  .strict();
export const importQuery = z.object({ section: section.optional(), year: yearText.optional(), scene: scene.optional(), title: z.string().trim().min(1).max(200).optional() });

export const listFilters = z.object({ section: section.optional(), year: yearText.optional() });

export function ruleRoutes({ config, services, authenticate }: ApiContext): Router {
  return crudRoutes({
    resource: 'rules',
    one: 'rule',
    many: 'rules',
    service: services.rules,
    filters: listFilters,
    create: createBody,
    update: createBody.partial().strict(),
    authenticate,
    extend: (router) => {
      // A rules .nfo as multipart/form-data (field "file"), parsed into the limits the packer enforces.
      router
        .route('/import')
        .post(requirePermission('rules', 'WRITE'), async (req, res) => {
          const given = parseInput(importQuery, req.query, 'query');
          const file = await receiveMultipartFile(req, partialFileSink(config.storage.uploadDir), MAX_RULES_FILE_BYTES).catch((err) => {
            res.setHeader('Connection', 'close');
            throw err;
          });
          try {
            const { rule, missing } = await services.rules.importText(await fsp.readFile(file.tempPath), given);
            res.status(201).json({ rule, missing });
          } finally {
            await discard(file.tempPath);
          }
        })
        .all(methodNotAllowed);
    },
  });
}
