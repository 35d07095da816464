import { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { followUpSchema, releaseEditSchema } from '../../lib/domain/release-options';
import type { Permission } from '../../lib/permissions';
import { RUNTIME_SETTINGS } from '../../lib/runtime-settings';
import { pageQuery } from '../pagination';
import { idParam, uuidParam } from '../params';
import * as auth from '../routes/auth';
import * as automation from '../routes/automation';
import * as configurations from '../routes/configurations';
import * as destinations from '../routes/destinations';
import * as downloads from '../routes/downloads';
import * as groups from '../routes/groups';
import * as jobs from '../routes/jobs';
import * as notifications from '../routes/notifications';
import * as releaseLifecycle from '../routes/release-lifecycle';
import * as releases from '../routes/releases';
import * as roles from '../routes/roles';
import * as session from '../routes/session';
import * as rules from '../routes/rules';
import * as templates from '../routes/templates';
import * as users from '../routes/users';
import * as shapes from './response-schemas';

type Method = RouteConfig['method'];
type Request = NonNullable<RouteConfig['request']>;
type Schema = z.ZodTypeAny;

interface Operation {
  summary: string;
  /** resource:ACTION the caller's role needs; null for public routes, 'authenticated' for any valid token. */
  permission: Permission | 'authenticated' | null;
  params?: Request['params'];
  query?: Request['query'];
  body?: Schema;
  /** multipart/form-data with one file field "file". */
  multipart?: boolean;
  /** Media type of a success answer other than JSON (the reference page and its script). */
  produces?: string;
  /** Success answers: status -> schema (null: no body). */
  ok: Record<number, Schema | null>;
  /** Error codes this route answers beyond the shared ones (400, 401, 403, 404, 429). */
  errors?: Record<number, string>;
}

const json = (schema: Schema) => ({ 'application/json': { schema } });
const multipartFile = z.object({ file: z.string().openapi({ type: 'string', format: 'binary' }) });

/** Adds one route with its shared error answers, the bearer requirement and its permission. */
function describe(registry: OpenAPIRegistry, method: Method, path: string, op: Operation): void {
  const responses: RouteConfig['responses'] = {};
  for (const [status, schema] of Object.entries(op.ok)) {
    if (op.produces) responses[status] = { description: 'Success', content: { [op.produces]: { schema: z.string() } } };
    else responses[status] = schema ? { description: 'Success', content: json(schema) } : { description: 'Success, no body' };
  }
  const error = (description: string) => ({ description, content: json(shapes.errorSchema) });
  if (op.params || op.query || op.body || op.multipart) responses[400] = error('Invalid input (details.fields names each bad field)');
  if (op.permission) responses[401] = error('Missing, expired or revoked token');
  if (op.permission && op.permission !== 'authenticated') responses[403] = error(`Needs ${op.permission}`);
  if (op.params) responses[404] = error('Not found (or not visible to the caller)');
  for (const [status, description] of Object.entries(op.errors ?? {})) responses[status] = error(description);
  if (path.startsWith('/api/')) responses[429] = error('Rate limited (Retry-After says when to try again)');
  responses.default = error('Any other error, in the one error shape');
  const permissionText = op.permission === null ? 'Public.' : op.permission === 'authenticated' ? 'Any valid token.' : `Permission: \`${op.permission}\`.`;
  registry.registerPath({
    method,
    path: path.replace(/:(\w+)/g, '{$1}'),
    summary: op.summary,
    description: permissionText,
    tags: [path.split('/')[2] ?? 'health'],
    'x-permission': op.permission,
    ...(op.permission ? { security: [{ bearer: [] }] } : {}),
    request: {
      params: op.params,
      query: op.query,
      ...(op.body ? { body: { required: true, content: json(op.body) } } : {}),
      ...(op.multipart ? { body: { required: true, content: { 'multipart/form-data': { schema: multipartFile } } } } : {}),
    },
    responses,
  });
}

interface Managed {
  base: string;
  resource: 'groups' | 'rules' | 'templates' | 'destinations' | 'roles' | 'configurations';
  one: string;
  many: string;
  item: Schema;
  filters: z.AnyZodObject;
  create: Schema;
  update: Schema;
}

/** The five routes api/routes/crud.ts builds for a managed resource. */
function describeCrud(registry: OpenAPIRegistry, m: Managed): void {
  const { resource } = m;
  describe(registry, 'get', m.base, { summary: `List ${m.many}`, permission: `${resource}:READ`, query: pageQuery.merge(m.filters), ok: { 200: shapes.page(m.many, m.item) } });
  describe(registry, 'post', m.base, { summary: `Create a ${m.one}`, permission: `${resource}:WRITE`, body: m.create, ok: { 201: shapes.one(m.one, m.item) }, errors: { 409: 'Conflicts with an existing one' } });
  describe(registry, 'get', `${m.base}/:id`, { summary: `One ${m.one}`, permission: `${resource}:READ`, params: idParam, ok: { 200: shapes.one(m.one, m.item) } });
  describe(registry, 'patch', `${m.base}/:id`, { summary: `Change a ${m.one}`, permission: `${resource}:WRITE`, params: idParam, body: m.update, ok: { 200: shapes.one(m.one, m.item) }, errors: { 409: 'Conflicts with an existing one' } });
  describe(registry, 'delete', `${m.base}/:id`, { summary: `Delete a ${m.one}`, permission: `${resource}:DELETE`, params: idParam, ok: { 204: null }, errors: { 409: 'Still in use' } });
}

export function buildRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  const d = (method: Method, path: string, op: Operation) => describe(registry, method, path, op);
  const { one, page } = shapes;

  d('get', '/health', { summary: 'Database and Redis status, workers per queue (503 when one is down)', permission: null, ok: { 200: shapes.healthSchema, 503: shapes.healthSchema } });
  d('get', '/api/openapi.json', { summary: 'This document', permission: null, ok: { 200: shapes.anyObject('OpenApiDocument') } });

  d('get', '/api/docs', { summary: 'Interactive reference of this document (Scalar, served locally)', permission: null, produces: 'text/html', ok: { 200: null } });
  d('get', '/api/docs/standalone.js', { summary: "The reference page's script", permission: null, produces: 'text/javascript', ok: { 200: null } });

  d('get', '/api/docs/init.js', { summary: "Starts the reference page on this document", permission: null, produces: 'text/javascript', ok: { 200: null } });

  d('post', '/api/auth/login', { summary: 'Log in: a JWT access token and a rotating refresh token', permission: null, body: auth.loginBody, ok: { 200: shapes.tokensSchema.and(z.object({ user: shapes.userSchema })) }, errors: { 401: 'Wrong email or password', 429: 'Account or address locked out' } });
  d('post', '/api/auth/refresh', { summary: 'New tokens for a refresh token (reuse revokes the login)', permission: null, body: auth.refreshBody, ok: { 200: shapes.tokensSchema }, errors: { 401: 'Unknown, expired or reused refresh token' } });
  d('post', '/api/auth/logout', { summary: 'Revoke the refresh token (and the bearer access token sent along)', permission: null, body: auth.refreshBody, ok: { 204: null } });
  d('get', '/api/auth/me', { summary: 'The caller', permission: 'authenticated', ok: { 200: one('user', shapes.userSchema) } });

  d('post', '/api/session', { summary: "The web app's cookie login (same origin only; sets an httpOnly session cookie)", permission: null, body: session.sessionBody, ok: { 200: z.object({ user: shapes.userSchema, permissions: z.array(z.string()) }) }, errors: { 401: 'Wrong email or password', 429: 'Account or address locked out' } });
  d('delete', '/api/session', { summary: 'Log the web app out (revokes the cookie token)', permission: null, ok: { 204: null } });

  d('get', '/api/users', { summary: 'List accounts', permission: 'users:READ', query: pageQuery, ok: { 200: page('users', shapes.userSchema) } });
  d('post', '/api/users', { summary: 'Create an account (giving a role also needs roles:WRITE and its permissions)', permission: 'users:WRITE', body: users.createBody, ok: { 201: one('user', shapes.userSchema) }, errors: { 409: 'Email taken' } });
  d('get', '/api/users/:id', { summary: 'One account', permission: 'users:READ', params: idParam, ok: { 200: one('user', shapes.userSchema) } });
  d('patch', '/api/users/:id', { summary: 'Change role or disable', permission: 'users:WRITE', params: idParam, body: users.updateBody, ok: { 200: one('user', shapes.userSchema) }, errors: { 409: 'LAST_ADMIN' } });
  d('post', '/api/users/:id/password', { summary: 'Set a new password', permission: 'users:WRITE', params: idParam, body: users.passwordBody, ok: { 204: null } });
  d('post', '/api/users/:id/unlock', { summary: 'Lift login lock-outs', permission: 'users:WRITE', params: idParam, ok: { 200: z.object({ user: shapes.userSchema, addresses: z.number().int() }).passthrough() } });

  d('post', '/api/uploads', { summary: 'Upload a book (streamed; the same bytes again answer the same upload with 200)', permission: 'releases:WRITE', multipart: true, ok: { 200: z.object({ upload: shapes.uploadSchema, duplicate: z.boolean() }), 202: z.object({ upload: shapes.uploadSchema, duplicate: z.boolean() }) }, errors: { 413: 'Larger than MAX_UPLOAD_SIZE' } });
  d('get', '/api/uploads', { summary: "List the caller's uploads (everyone's with releases:MOD)", permission: 'releases:READ', query: pageQuery, ok: { 200: page('uploads', shapes.uploadSchema) } });
  d('get', '/api/uploads/:id', { summary: 'One upload', permission: 'releases:READ', params: uuidParam, ok: { 200: one('upload', shapes.uploadSchema) } });

  const requested = z.object({ release: shapes.releaseSchema, created: z.boolean() });
  const review = z.object({ release: shapes.releaseSchema, preview: shapes.previewSchema }).passthrough();
  d('get', '/api/uploads/by-sha256/:sha256', { summary: "The caller's upload holding these bytes (anyone's with releases:MOD)", permission: 'releases:READ', params: automation.sha256Params, ok: { 200: one('upload', shapes.uploadSchema) } });
  d('get', '/api/releases/:id/files/:name', { summary: 'One file of a done release (zip volume, NFO, DIZ, SFV), as an attachment; one byte range (Range: bytes=) answers 206', permission: 'releases:READ', params: downloads.releaseFileParams, produces: 'application/octet-stream', ok: { 200: null, 206: null }, errors: { 416: 'Range not within the file, or ending before it starts' } });
  d('get', '/api/releases/:id/archive', { summary: 'The whole done release as one zip stream', permission: 'releases:READ', params: uuidParam, produces: 'application/zip', ok: { 200: null }, errors: { 409: 'Not published' } });
  d('get', '/api/events', { summary: 'Server-Sent Events of the releases and uploads the caller may see (Last-Event-ID resumes); ends with `unauthorized` {code} once access is gone', permission: 'releases:READ', produces: 'text/event-stream', ok: { 200: null }, errors: { 429: 'Rate limited, or TOO_MANY_STREAMS: the user has 5 open already' } });
  d('post', '/api/releases', { summary: 'Request a release (idempotent: the same request answers 200 with the existing one)', permission: 'releases:WRITE', body: releases.requestBody, ok: { 200: requested, 202: requested }, errors: { 409: 'DUPE: a better or equal release of the book exists', 422: 'TYPE_NOT_SUPPORTED: an unsupported type' } });
  d('get', '/api/releases', { summary: "List releases (the caller's; everyone's with releases:MOD); GET /api/releases/:id has every field of one", permission: 'releases:READ', query: releases.listQuery, ok: { 200: page('releases', shapes.releaseListItemSchema) } });
  d('post', '/api/releases/preview', { summary: 'Dry run of a request: name, checks, review reasons, NFO, DIZ, zip names; writes nothing', permission: 'releases:WRITE', body: releases.requestBody, ok: { 200: one('preview', shapes.previewSchema) }, errors: { 409: 'DUPE, UPLOAD_REJECTED, or UPLOAD_NOT_INSPECTED (try again once the upload is read)', 422: 'TYPE_NOT_SUPPORTED' } });
  d('get', '/api/releases/:id', { summary: 'One release with its files', permission: 'releases:READ', params: uuidParam, ok: { 200: one('release', shapes.releaseSchema) } });
  d('patch', '/api/releases/:id', { summary: "Edit a release in review (someone else's needs releases:MOD); answers the new preview", permission: 'releases:WRITE', params: uuidParam, body: releaseEditSchema, ok: { 200: review }, errors: { 409: 'Not in review' } });
  d('delete', '/api/releases/:id', { summary: 'Delete a settled release with its files', permission: 'releases:DELETE', params: uuidParam, ok: { 204: null }, errors: { 409: 'Still running' } });
  d('post', '/api/releases/:id/cancel', { summary: 'Cancel while queued or in review', permission: 'releases:WRITE', params: uuidParam, ok: { 200: one('release', shapes.releaseSchema) }, errors: { 409: 'Already started or settled' } });
  d('post', '/api/releases/:id/retry', { summary: 'Request a failed or cancelled release again (a new release replaces it)', permission: 'releases:WRITE', params: uuidParam, ok: { 202: z.object({ release: shapes.releaseSchema, retryOf: z.string().uuid() }) }, errors: { 409: 'NOT_RETRYABLE: not failed or cancelled' } });
  d('get', '/api/releases/:id/preview', { summary: 'Preview of a stored release', permission: 'releases:READ', params: uuidParam, ok: { 200: one('preview', shapes.previewSchema) } });
  d('post', '/api/releases/:id/approve', { summary: 'Approve a release in review (packs it)', permission: 'releases:WRITE', params: uuidParam, ok: { 202: one('release', shapes.releaseSchema) }, errors: { 409: 'REVIEW_BLOCKED or not in review' } });
  d('post', '/api/releases/:id/rematch', { summary: 'Ask the catalogues again; answers candidates', permission: 'releases:WRITE', params: uuidParam, body: releaseLifecycle.rematchBody, ok: { 200: shapes.anyObject('Rematch') }, errors: { 409: 'Not in review' } });
  d('post', '/api/releases/:id/follow-ups', { summary: 'PROPER, REPACK, NFOFiX, DiRFiX or READNFO of a published release', permission: 'releases:WRITE', params: uuidParam, body: followUpSchema, ok: { 200: requested, 202: requested }, errors: { 409: 'Not published' } });
  d('get', '/api/releases/:id/validation', { summary: 'Each rule check of the published release', permission: 'releases:READ', params: uuidParam, ok: { 200: one('validation', shapes.anyObject('Validation')) }, errors: { 409: 'Not published' } });
  d('post', '/api/releases/:id/distributions/:destinationId', { summary: 'Send (again) a packed release to a destination', permission: 'releases:WRITE', params: releases.distributionParams, ok: { 202: one('distribution', shapes.anyObject('Distribution')) }, errors: { 409: 'Not published' } });

  d('get', '/api/jobs/:queue/:id', { summary: 'Raw BullMQ job state', permission: 'queues:READ', params: jobs.params, ok: { 200: one('job', shapes.anyObject('Job')) } });
  d('get', '/api/stats', { summary: 'Dashboard counts', permission: 'queues:READ', ok: { 200: one('stats', shapes.anyObject('Stats')) } });

  describeCrud(registry, { base: '/api/roles', resource: 'roles', one: 'role', many: 'roles', item: shapes.roleSchema, filters: z.object({}), create: roles.createBody, update: roles.updateBody });
  describeCrud(registry, { base: '/api/groups', resource: 'groups', one: 'group', many: 'groups', item: shapes.groupSchema, filters: groups.listFilters, create: groups.createBody, update: groups.updateBody });
  describeCrud(registry, { base: '/api/rules', resource: 'rules', one: 'rule', many: 'rules', item: shapes.ruleSchema, filters: rules.listFilters, create: rules.createBody, update: rules.createBody.partial() });
  d('post', '/api/rules/import', { summary: 'Import a rules .nfo into limits', permission: 'rules:WRITE', query: rules.importQuery, multipart: true, ok: { 201: z.object({ rule: shapes.ruleSchema, missing: z.array(z.string()) }) } });
  describeCrud(registry, { base: '/api/templates', resource: 'templates', one: 'template', many: 'templates', item: shapes.templateSchema, filters: templates.listFilters, create: templates.createBody, update: templates.createBody.partial() });
  d('post', '/api/templates/preview', { summary: 'Render a draft template', permission: 'templates:READ', body: templates.draftBody, ok: { 200: one('preview', shapes.anyObject('TemplatePreview')) } });
  d('post', '/api/templates/:id/preview', { summary: 'Render a stored template', permission: 'templates:READ', params: idParam, body: templates.previewBody, ok: { 200: one('preview', shapes.anyObject('TemplatePreview')) } });
  describeCrud(registry, { base: '/api/destinations', resource: 'destinations', one: 'destination', many: 'destinations', item: shapes.destinationSchema, filters: destinations.listFilters, create: destinations.createBody, update: destinations.updateBody });
  d('post', '/api/destinations/:id/test', { summary: 'Connect and list the remote path', permission: 'destinations:WRITE', params: idParam, ok: { 200: one('test', shapes.anyObject('DestinationTest')) } });

  describeCrud(registry, { base: '/api/notifications/webhooks', resource: 'configurations', one: 'webhook', many: 'webhooks', item: shapes.webhookSchema, filters: notifications.listFilters, create: notifications.createBody, update: notifications.updateBody });

  const settingKey = z.object({ key: z.enum(Object.keys(RUNTIME_SETTINGS) as [string, ...string[]]) });
  d('get', '/api/configurations', { summary: 'Runtime settings (secrets never shown)', permission: 'configurations:READ', ok: { 200: z.object({ configurations: z.array(shapes.configurationSchema) }) } });
  d('get', '/api/configurations/:key', { summary: 'One runtime setting', permission: 'configurations:READ', params: settingKey, ok: { 200: one('configuration', shapes.configurationSchema) } });
  d('put', '/api/configurations/:key', { summary: 'Set a runtime setting', permission: 'configurations:WRITE', params: settingKey, body: configurations.setBody, ok: { 200: one('configuration', shapes.configurationSchema) }, errors: { 422: 'UNKNOWN_REFERENCE: the rule or NFO template named does not exist' } });
  d('delete', '/api/configurations/:key', { summary: 'Unset a runtime setting', permission: 'configurations:DELETE', params: settingKey, ok: { 204: null } });

  return registry;
}
