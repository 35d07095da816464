import { NotificationWebhook } from '../db/models';
import { SecretBox } from '../lib/secret-box';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Release-event webhooks as configuration, over HTTP against the real app and database: the URL
 * and secret are sealed on the way in and never come out, a generic webhook must have a secret to
 * sign with, a group must exist, lists narrow by group. Nothing is sent here: sending is
 * test/notifications.test.ts, with a real worker and receiver.
 */
const SECRET = 'a-shared-webhook-secret-of-some-length';
const RECEIVER = 'http://hooks.example.test:8080';
const needsSecret = { code: 'WEBHOOK_SECRET_REQUIRED', message: 'A generic webhook needs a secret to sign its requests with' };

let app: TestApp;
let admin: { token: string };
let operator: { token: string };
let espId: number;
let otherId: number;
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin', 'admin@example.test', []);
  operator = await app.createUser('operator', 'op@example.test');
  const groups = (await app.http.get('/api/groups').set(as(admin))).body.groups;
  espId = groups.find((g: { tag: string }) => g.tag === 'ESP').id;
  otherId = (await app.http.post('/api/groups').set(as(admin)).send({ tag: 'OTHER', name: 'Other' })).body.group.id;
});
afterAll(() => app.close());

async function create(name: string, body: Record<string, unknown>) {
  const res = await app.http.post('/api/notifications/webhooks').set(as(admin)).send({ name, ...body });
  expect(res.status).toBe(201);
  return res.body.webhook;
}

const patch = (id: number, body: Record<string, unknown>) => app.http.patch(`/api/notifications/webhooks/${id}`).set(as(admin)).send(body);
const listed = async (query = '') => (await app.http.get(`/api/notifications/webhooks${query}`).set(as(admin))).body.webhooks.map((w: { name: string }) => w.name);
/** What the database holds for a webhook, opened with the app's own key. */
async function sealedRow(id: number) {
  const row = await NotificationWebhook.query().findById(id);
  const box = new SecretBox(app.config.secrets);
  return { url: box.open(row!.urlEncrypted), secret: row!.secretEncrypted === null ? null : box.open(row!.secretEncrypted), urlHost: row!.urlHost };
}

it('keeps the URL and secret write-only: sealed in the database, shown as the host and whether a secret is set', async () => {
  const hook = await create('generic', { kind: 'generic', url: `${RECEIVER}/generic`, secret: SECRET });
  expect(hook).toMatchObject({ kind: 'generic', urlHost: 'hooks.example.test:8080', hasSecret: true, groupId: null, enabled: true });
  expect(hook.events).toHaveLength(5);
  const shown = JSON.stringify((await app.http.get('/api/notifications/webhooks').set(as(admin))).body);
  expect(shown).not.toContain(SECRET);
  expect(shown).not.toContain('/generic');
  expect(await sealedRow(hook.id)).toEqual({ url: `${RECEIVER}/generic`, secret: SECRET, urlHost: 'hooks.example.test:8080' });

  // A Slack webhook needs no secret, and a global one (no group) is told about every group.
  const slack = await create('slack', { kind: 'slack', url: 'https://hooks.slack.example.test/services/T0/B0/x' });
  expect(slack).toMatchObject({ kind: 'slack', urlHost: 'hooks.slack.example.test', hasSecret: false, groupId: null });
  expect((await sealedRow(slack.id)).secret).toBeNull();
  await app.http.delete(`/api/notifications/webhooks/${slack.id}`).set(as(admin));
});

it('refuses bad input with a 4xx and its code, and stores nothing of it', async () => {
  const before = await NotificationWebhook.query().resultSize();
  const refused = async (body: Record<string, unknown>, status: number, code?: string) => {
    const res = await app.http.post('/api/notifications/webhooks').set(as(admin)).send({ name: 'bad', kind: 'generic', url: `${RECEIVER}/x`, secret: SECRET, ...body });
    expect(res.status).toBe(status);
    if (code) expect(res.body.error.code).toBe(code);
    return res.body.error;
  };
  expect(await refused({ secret: null }, 422, 'WEBHOOK_SECRET_REQUIRED')).toMatchObject(needsSecret);
  await refused({ url: 'ftp://example.test/hook' }, 400);
  await refused({ url: 'not a url' }, 400);
  await refused({ events: ['release.exploded'] }, 400);
  expect(await refused({ groupId: 999_999 }, 422, 'GROUP_NOT_FOUND')).toMatchObject({ message: 'Group 999999 does not exist', details: { field: 'groupId' } });
  expect((await app.http.post('/api/notifications/webhooks').set(as(operator)).send({ name: 'x', kind: 'slack', url: `${RECEIVER}/x` })).status).toBe(403);
  expect((await app.http.get('/api/notifications/webhooks')).status).toBe(401);
  expect(await NotificationWebhook.query().resultSize()).toBe(before);
});

it('lists every webhook in the order made, or those of one group', async () => {
  await create('discord', { kind: 'discord', url: `${RECEIVER}/discord`, groupId: espId, events: ['release.done'] });
  await create('other-group', { kind: 'slack', url: `${RECEIVER}/other`, groupId: otherId });
  await create('esp-slack', { kind: 'slack', url: `${RECEIVER}/slack`, groupId: espId, events: ['release.done', 'release.review'] });
  expect(await listed()).toEqual(['generic', 'discord', 'other-group', 'esp-slack']);
  expect(await listed(`?groupId=${espId}`)).toEqual(['discord', 'esp-slack']);
  expect(await listed(`?groupId=${otherId}`)).toEqual(['other-group']);
  const page = (await app.http.get('/api/notifications/webhooks?pageSize=2&page=2').set(as(admin))).body;
  expect(page.webhooks.map((w: { name: string }) => w.name)).toEqual(['other-group', 'esp-slack']);
  expect(page.pagination).toEqual({ page: 2, pageSize: 2, total: 4, pages: 2 });
});

it('edits a webhook: a new URL is sealed, a generic one keeps a secret, a group must exist, other fields stay', async () => {
  const hook = await create('edited', { kind: 'slack', url: `${RECEIVER}/edited`, enabled: false, groupId: otherId });
  // A Slack webhook has no secret: it cannot become generic without one.
  expect((await patch(hook.id, { kind: 'generic' })).body.error).toMatchObject(needsSecret);
  const generic = await patch(hook.id, { kind: 'generic', secret: SECRET, url: 'http://moved.example.test:9090/hook-path' });
  expect(generic.status).toBe(200);
  expect(generic.body.webhook).toMatchObject({ kind: 'generic', urlHost: 'moved.example.test:9090', hasSecret: true, enabled: false, groupId: otherId });
  expect(JSON.stringify(generic.body)).not.toMatch(/hook-path|a-shared-webhook-secret/);
  expect(await sealedRow(hook.id)).toEqual({ url: 'http://moved.example.test:9090/hook-path', secret: SECRET, urlHost: 'moved.example.test:9090' });

  // The secret it now has stays until it is a kind that needs none; a change that names no group keeps its group.
  expect((await patch(hook.id, { secret: null })).body.error).toMatchObject(needsSecret);
  expect((await patch(hook.id, { name: 'renamed' })).body.webhook).toMatchObject({ name: 'renamed', kind: 'generic', hasSecret: true, groupId: otherId, urlHost: 'moved.example.test:9090' });
  expect(await sealedRow(hook.id)).toEqual({ url: 'http://moved.example.test:9090/hook-path', secret: SECRET, urlHost: 'moved.example.test:9090' });
  expect((await patch(hook.id, { kind: 'discord', secret: null })).body.webhook).toMatchObject({ kind: 'discord', hasSecret: false });
  expect((await sealedRow(hook.id)).secret).toBeNull();

  const unknownGroup = await patch(hook.id, { groupId: 999_999 });
  expect(unknownGroup.status).toBe(422);
  expect(unknownGroup.body.error).toMatchObject({ code: 'GROUP_NOT_FOUND', message: 'Group 999999 does not exist', details: { field: 'groupId' } });
  expect((await patch(hook.id, { groupId: espId })).body.webhook.groupId).toBe(espId);
  expect((await patch(hook.id, { groupId: null })).body.webhook.groupId).toBeNull();
  expect((await patch(999_999, { name: 'nobody' })).body.error).toMatchObject({ code: 'NOT_FOUND', message: 'Webhook 999999 not found' });
});

it('deletes a webhook; a missing one is a 404 that names it', async () => {
  const hook = await create('short-lived', { kind: 'discord', url: `${RECEIVER}/short` });
  expect((await app.http.delete(`/api/notifications/webhooks/${hook.id}`).set(as(admin))).status).toBe(204);
  expect(await NotificationWebhook.query().findById(hook.id)).toBeUndefined();
  for (const res of [
    await app.http.get(`/api/notifications/webhooks/${hook.id}`).set(as(admin)),
    await app.http.delete(`/api/notifications/webhooks/${hook.id}`).set(as(admin)),
  ]) {
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(`Webhook ${hook.id} not found`);
  }
  expect(await listed()).not.toContain('short-lived');
});
