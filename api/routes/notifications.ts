import type { Router } from 'express';
import { z } from 'zod';
import { idNumber, idText } from '../../lib/strict-numbers';
import { RELEASE_EVENTS, WEBHOOK_KINDS } from '../../lib/domain/release-events';
import type { ApiContext } from '../context';
import { crudRoutes } from './crud';

const webUrl = z
  .string()
  .trim()
  .max(2000)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'an http:// or https:// URL');
const fields = {
  name: z.string().trim().min(1).max(100),
  kind: z.enum(WEBHOOK_KINDS),
  url: webUrl,
  secret: z.string().min(16, 'at least 16 characters').max(512).nullable(),
  groupId: idNumber.nullable(),
  events: z.array(z.enum(RELEASE_EVENTS)).min(1).max(RELEASE_EVENTS.length).transform((events) => [...new Set(events)]),
  enabled: z.boolean(),
};
export const createBody = z
  .object({ ...fields, secret: fields.secret.default(null), groupId: fields.groupId.default(null), events: fields.events.default([...RELEASE_EVENTS]), enabled: fields.enabled.default(true) })
  .strict();
export const updateBody = z.object(fields).partial().strict();
export const listFilters = z.object({ groupId: idText.optional() });

/** Release-event webhooks (global or per group); managing them is a configurations matter. */
export function notificationRoutes({ services, authenticate }: ApiContext): Router {
  return crudRoutes({
    resource: 'configurations',
    one: 'webhook',
    many: 'webhooks',
    service: services.notifications,
    filters: listFilters,
    create: createBody,
    update: updateBody,
    authenticate,
  });
}
