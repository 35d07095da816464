import type { Router } from 'express';
import { z } from 'zod';
import { AUTH_TYPES, PROTOCOLS } from '../../db/models';
import { methodNotAllowed } from '../middleware/errors';
import { requirePermission } from '../middleware/authorize';
import { idParam } from '../params';
import { boundedText, parseInput } from '../validate';
import type { ApiContext } from '../context';
import { crudRoutes } from './crud';

const DEFAULT_PORTS = { ftp: 21, ftps: 21, sftp: 22 } as const;
const fields = {
  name: z.string().trim().min(1).max(100),
  protocol: z.enum(PROTOCOLS),
  host: z.string().trim().min(1).max(255).regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or IP address'),
  port: z.number().int().min(1).max(65535),
  username: z.string().trim().min(1).max(100),
  authType: z.enum(AUTH_TYPES),
  // Sealed (base64 of the ciphertext) it must still fit its TEXT column.
  secret: boundedText(16_384, 16_384),
  remotePath: z.string().trim().regex(/^\/[^\0]*$/, 'an absolute path such as /incoming').max(500),
  tlsVerify: z.boolean(),
  hostFingerprint: z.string().trim().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'SHA256:<base64> as ssh-keygen -lf prints it').nullable(),
  enabled: z.boolean(),
};
export const createBody = z
  .object({ ...fields, port: fields.port.optional(), authType: fields.authType.default('password'), tlsVerify: fields.tlsVerify.default(true), hostFingerprint: fields.hostFingerprint.default(null), enabled: fields.enabled.default(true) })
  .strict()
  .transform((d) => ({ ...d, port: d.port ?? DEFAULT_PORTS[d.protocol] }));
export const updateBody = z.object(fields).partial().strict();

export const listFilters = z.object({ protocol: z.enum(PROTOCOLS).optional() });

export function destinationRoutes({ services, authenticate }: ApiContext): Router {
  return crudRoutes({
    resource: 'destinations',
    one: 'destination',
    many: 'destinations',
    service: services.destinations,
    filters: listFilters,
    create: createBody,
    update: updateBody,
    authenticate,
    extend: (router) => {
      router
        .route('/:id/test')
        .post(requirePermission('destinations', 'WRITE'), async (req, res) => {
          res.json({ test: await services.destinations.test(parseInput(idParam, req.params, 'destination id').id) });
        })
        .all(methodNotAllowed);
    },
  });
}
