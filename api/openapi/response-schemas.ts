import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { RELEASE_STATES } from '../../db/models';

// Gives every zod schema .openapi() (names and examples); must run before the schemas below are built.
extendZodWithOpenApi(z);

/**
 * The shapes the API answers with. Objects list the fields clients rely on and allow more
 * (passthrough), so a new column does not break the contract; request shapes come from the routes.
 */
const when = z.string().datetime({ offset: true });
const uuid = z.string().uuid();

export const errorSchema = z
  .object({
    error: z
      .object({
        code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
        message: z.string(),
        details: z.unknown().optional(),
        requestId: z.string(),
      })
      .strict(),
  })
  .strict()
  .openapi('Error');

export const paginationSchema = z
  .object({ page: z.number().int(), pageSize: z.number().int(), total: z.number().int(), pages: z.number().int() })
  .strict()
  .openapi('Pagination');

export const userSchema = z
  .object({ id: z.number().int(), email: z.string(), role: z.string(), disabled: z.boolean() })
  .passthrough()
  .openapi('User');

export const tokensSchema = z
  .object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.number().int().optional() })
  .passthrough()
  .openapi('Tokens');

export const uploadSchema = z
  .object({
    id: uuid,
    originalName: z.string(),
    size: z.number().int(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    status: z.string(),
    format: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: when,
  })
  .passthrough()
  .openapi('Upload');

export const releaseFileSchema = z
  .object({ fileName: z.string(), kind: z.string(), size: z.number().int(), crc32: z.string(), sha256: z.string() })
  .passthrough()
  .openapi('ReleaseFile');

export const releaseSchema = z
  .object({
    id: uuid,
    uploadId: uuid,
    userId: z.number().int(),
    state: z.enum(RELEASE_STATES),
    step: z.string().nullable(),
    progress: z.number(),
    error: z.string().nullable(),
    name: z.string().nullable(),
    options: z.record(z.unknown()),
    reviewReasons: z.array(z.string()).nullable(),
    createdAt: when,
    updatedAt: when,
    files: z.array(releaseFileSchema).optional(),
  })
  .passthrough()
  .openapi('Release');

/** A row of the release list: the release's fields above (no files) and its catalogue metadata, which labels an unnamed release. */
export const releaseListItemSchema = releaseSchema
  .omit({ files: true })
  .extend({ metadata: z.record(z.unknown()).nullable() })
  .openapi('ReleaseListItem');

const record = (name: string, fields: z.ZodRawShape) => z.object(fields).passthrough().openapi(name);

export const groupSchema = record('Group', { id: z.number().int(), tag: z.string(), name: z.string(), volumeSizeMb: z.number().int().nullable() });
export const ruleSchema = record('Rule', { id: z.number().int(), section: z.string(), year: z.number().int(), scene: z.string(), title: z.string() });
export const templateSchema = record('Template', { id: z.number().int(), name: z.string(), body: z.string() });
export const destinationSchema = record('Destination', { id: z.number().int(), name: z.string(), protocol: z.string(), host: z.string() })
  .refine((d) => !('secret' in d), 'the secret is write-only');
export const webhookSchema = record('Webhook', { id: z.number().int(), name: z.string(), kind: z.string(), urlHost: z.string(), events: z.array(z.string()), enabled: z.boolean() })
  .refine((w) => !('secret' in w) && !('url' in w), 'the URL and secret are write-only');
export const roleSchema = record('Role', { id: z.number().int(), name: z.string(), permissions: z.array(z.string()) });
export const configurationSchema = record('Configuration', { key: z.string() });
export const previewSchema = record('Preview', { name: z.string().nullable().optional() });
export const anyObject = (name: string) => z.object({}).passthrough().openapi(name);
export const healthSchema = record('Health', { status: z.enum(['ok', 'degraded', 'down']) });

/** `{ [key]: item, ... }` */
export const one = (key: string, item: z.ZodTypeAny) => z.object({ [key]: item }).passthrough();
/** `{ [key]: items, pagination }` */
export const page = (key: string, item: z.ZodTypeAny) => z.object({ [key]: z.array(item), pagination: paginationSchema }).strict();
