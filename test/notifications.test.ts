import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { JobQueue } from '../jobs/job-queue';
import { announceJobOutcome } from '../jobs/notify/release-events';
import { createRedis, whenReady } from '../lib/redis';
import { QueueName } from '../lib/domain/queue-names';
import { Scheduler } from '../scheduler/scheduler';
import { FLOW_LOST } from '../scheduler/tasks/reconcile';
import { signWebhook, verifyWebhook } from '../lib/webhook-signature';
import { startFtpServer, FtpServer } from './support/transfer-servers';
import { startTestApp, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Release-event webhooks end to end: webhooks configured over HTTP, real releases packed by a real
 * worker process (and one failed by the reconciler), and a local receiver that checks each
 * request's HMAC signature (generic) and the Discord and Slack payload shapes, one that fails
 * twice before it accepts (retries), and one that is down (the release completes all the same).
 */
const SECRET = 'a-shared-webhook-secret-of-some-length';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
  signature?: ReturnType<typeof verifyWebhook>;
}

let app: TestApp;
let worker: ReturnType<typeof startWorker>;
let receiver: http.Server;
let receiverUrl: string;
let downUrl: string;
let ftp: FtpServer;
let admin: { token: string };
let operator: { token: string };
const received: Received[] = [];
let flakyCalls = 0;
const webhooks: Record<string, number> = {};
const destinations: Record<string, number> = {};
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const entry: Received = { path: req.url ?? '', headers: req.headers, body, json: JSON.parse(body) };
      if (req.url === '/generic') entry.signature = verifyWebhook(SECRET, body, req.headers['x-esp-signature'] as string | undefined);
      received.push(entry);
      if (req.url === '/flaky' && ++flakyCalls <= 2) return res.writeHead(503).end('try later');
      res.writeHead(entry.signature && !entry.signature.ok ? 401 : 204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Port 9 (discard) is closed here, and stays closed: a free port could be taken by another test meanwhile.
  downUrl = 'http://127.0.0.1:9/down';
  ftp = await startFtpServer();
  app = await startTestApp();
  admin = await app.createUser('admin', 'admin@example.test', []);
  operator = await app.createUser('operator', 'op@example.test');
  const ftpLogin = { protocol: 'ftp', host: '127.0.0.1', port: ftp.port, username: ftp.username, remotePath: '/releases' };
  for (const [name, secret] of [['ftp', ftp.password], ['ftp-wrong-password', 'not-the-password']]) {
    const res = await app.http.post('/api/destinations').set(as(admin)).send({ name, ...ftpLogin, secret });
    destinations[name] = res.body.destination.id;
  }
  // Configuring webhooks is test/webhook-settings.test.ts; these are the ones the releases below are told about.
  await createWebhook('generic', { kind: 'generic', url: `${receiverUrl}/generic`, secret: SECRET });
  const esp = (await app.http.get('/api/groups').set(as(admin))).body.groups.find((g: { tag: string }) => g.tag === 'ESP');
  await createWebhook('discord', { kind: 'discord', url: `${receiverUrl}/discord`, groupId: esp.id, events: ['release.done'] });
  await createWebhook('slack', { kind: 'slack', url: `${receiverUrl}/slack`, groupId: esp.id, events: ['release.done', 'release.review'] });
  await createWebhook('flaky', { kind: 'generic', url: `${receiverUrl}/flaky`, secret: SECRET, events: ['release.done'] });
  await createWebhook('down', { kind: 'generic', url: downUrl, secret: SECRET });
  // A webhook of another group hears nothing of ESP's releases.
  const other = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'OTHER', name: 'Other' });
  await createWebhook('other-group', { kind: 'slack', url: `${receiverUrl}/other`, groupId: other.body.group.id });
  worker = await startReadyWorker(app.env, app.context.queue);
}, 90_000);
afterAll(async () => {
  await stopWorker(worker);
  await app.close();
  await ftp.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

async function createWebhook(name: string, body: Record<string, unknown>) {
  const res = await app.http.post('/api/notifications/webhooks').set(as(admin)).send({ name, ...body });
  expect(res.status).toBe(201);
  webhooks[name] = res.body.webhook.id;
  return res.body.webhook;
}

async function requestRelease(title: string, options: Record<string, unknown>, bytes?: Buffer, afterRequest?: () => Promise<void>) {
  const book = path.join(app.dataDir, `${title}.epub`);
  if (bytes) fs.writeFileSync(book, bytes);
  else await writeEpub(book, { title, date: '2019-05-02', publisher: 'Tor Books' });
  const uploadId = (await app.http.post('/api/uploads').set(as(operator)).attach('file', book)).body.upload.id;
  const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options: { group: 'ESP', volumeSizeMb: 5, ...options } });
  expect(requested.status).toBe(202);
  const id = requested.body.release.id as string;
  await afterRequest?.();
  return waitFor(`release ${title} to settle`, async () => {
    const current = (await app.http.get(`/api/releases/${id}`).set(as(operator))).body.release;
    return ['done', 'failed', 'review'].includes(current.state) ? current : undefined;
  }, 90_000);
}

const sentTo = (where: string, event: string, releaseId: string) =>
  received.filter((r) => r.path === where && r.headers['x-esp-event'] === event && JSON.stringify(r.json).includes(releaseId));

const arrived = (where: string, event: string, releaseId: string, count = 1) =>
  waitFor(`${event} at ${where}`, async () => sentTo(where, event, releaseId).length >= count && sentTo(where, event, releaseId), 60_000, async () => received.map((r) => [r.path, r.headers['x-esp-event']]));

describe('signature helper', () => {
  it('accepts its own signature and refuses a changed body, another secret, an old timestamp and junk', () => {
    const body = JSON.stringify({ event: 'release.done' });
    const now = 1_900_000_000;
    const header = signWebhook(SECRET, body, now);
    expect(header).toMatch(/^t=1900000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(SECRET, body, header, { nowSeconds: now + 10 })).toEqual({ ok: true, timestamp: now });
    expect(verifyWebhook(SECRET, `${body} `, header, { nowSeconds: now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook('another-secret', body, header, { nowSeconds: now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhook(SECRET, body, header, { nowSeconds: now + 301 })).toEqual({ ok: false, reason: 'expired' });
    expect(verifyWebhook(SECRET, body, header, { nowSeconds: now - 301 })).toEqual({ ok: false, reason: 'expired' });
    expect(verifyWebhook(SECRET, body, header, { nowSeconds: now + 500, windowSeconds: 600 }).ok).toBe(true);
    for (const junk of [undefined, '', 't=abc,v1=00', `v1=${'0'.repeat(64)}`, `t=${now}`]) expect(verifyWebhook(SECRET, body, junk, { nowSeconds: now }).ok).toBe(false);
  });
});

describe('release events', () => {
  let packed: { id: string; name: string; state: string };

  it('tells every webhook about a packed release, signed and shaped for its kind, while a receiver that is down changes nothing', async () => {
    packed = await requestRelease('Signed Delivery', { proofUrl: 'https://books.example.test/signed', destinationIds: [destinations.ftp, destinations['ftp-wrong-password']] });
    expect(packed.state).toBe('done');

    const [generic] = await arrived('/generic', 'release.done', packed.id);
    expect(generic.signature).toEqual({ ok: true, timestamp: expect.any(Number) });
    expect(generic.headers['content-type']).toBe('application/json');
    expect(generic.json).toEqual({
      event: 'release.done',
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      release: { id: packed.id, name: packed.name, state: 'done', group: 'ESP', step: null, error: null, reviewReasons: [] },
      requestId: expect.any(String),
    });

    const [discord] = await arrived('/discord', 'release.done', packed.id);
    expect(discord.headers['x-esp-signature']).toBeUndefined();
    expect(discord.json).toEqual({
      username: 'eBook Scene Packer',
      embeds: [expect.objectContaining({ title: 'Release packed', color: expect.any(Number), timestamp: expect.any(String), fields: expect.arrayContaining([{ name: 'Release', value: packed.name, inline: false }]) })],
    });

    const [slack] = await arrived('/slack', 'release.done', packed.id);
    expect(slack.json).toEqual({ text: `Release packed: ${packed.name}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining(packed.name) } }] });

    // Twice 503, then accepted: the same body each time, the third call succeeds and nothing more comes.
    const flaky = await arrived('/flaky', 'release.done', packed.id, 3);
    expect(new Set(flaky.map((r) => r.body)).size).toBe(1);
    const flakyJob = await waitFor('the flaky webhook job to complete', async () => {
      const job = (await app.http.get(`/api/jobs/notify/notify-release.done-${packed.id}-${webhooks.flaky}`).set(as(admin))).body.job;
      return job?.state === 'completed' ? job : undefined;
    }, 30_000);
    expect(flakyJob).toMatchObject({ state: 'completed', attemptsMade: 3 });

    // The receiver that is down: its job is retrying with the reason, the release is done regardless.
    const downJob = await waitFor('the down webhook to fail an attempt', async () => {
      const job = (await app.http.get(`/api/jobs/notify/notify-release.done-${packed.id}-${webhooks.down}`).set(as(admin))).body.job;
      return job?.attemptsMade >= 1 ? job : undefined;
    }, 60_000);
    expect(downJob.failedReason).toBe('webhook down (127.0.0.1:9) unreachable: connection failed');
    expect(downJob.failedReason).not.toContain('/down');
    expect(['delayed', 'waiting', 'active', 'failed']).toContain(downJob.state);
    expect(received.some((r) => r.path === '/other')).toBe(false);
  }, 180_000);

  it('tells about each distribution, delivered or failed', async () => {
    const [delivered] = await arrived('/generic', 'release.distributed', packed.id);
    expect(delivered.signature?.ok).toBe(true);
    expect(delivered.json).toMatchObject({ event: 'release.distributed', release: { id: packed.id }, distribution: { destination: 'ftp', state: 'done', error: null } });
    const [failed] = await arrived('/generic', 'release.distribution_failed', packed.id);
    expect(failed.json).toMatchObject({ event: 'release.distribution_failed', distribution: { destination: 'ftp-wrong-password', state: 'failed', error: expect.any(String) } });
    // Neither went to the webhooks that only want release.done.
    expect(sentTo('/discord', 'release.distributed', packed.id)).toHaveLength(0);
  }, 120_000);

  it('tells about a release held for review and one that failed', async () => {
    const held = await requestRelease('Proof Missing', {});
    expect(held.state).toBe('review');
    const [review] = await arrived('/generic', 'release.review', held.id);
    expect(review.json).toMatchObject({ event: 'release.review', release: { id: held.id, state: 'review', reviewReasons: expect.arrayContaining([expect.any(String)]) } });
    await arrived('/slack', 'release.review', held.id);

    // Paused, so the release flow's inspection (not only the upload's) meets the broken file.
    const uploads = app.context.queue.queue('upload' as never);
    await uploads.pause();
    const broken = await requestRelease('Broken Book', { proofUrl: 'https://books.example.test/broken' }, Buffer.from('this is not an epub at all'), () => uploads.resume());
    expect(broken.state).toBe('failed');
    // The dashboard lists the failure among the recent ones, newest first.
    const failures: { at: string }[] = (await app.http.get('/api/stats').set(as(admin))).body.stats.recentFailures;
    expect(failures).toContainEqual({ queue: 'upload', jobId: expect.any(String), jobName: 'inspect', releaseId: broken.id, error: broken.error, at: expect.any(String) });
    const times = failures.map((f) => Date.parse(f.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const [failed] = await arrived('/generic', 'release.failed', broken.id);
    expect(failed.signature?.ok).toBe(true);
    expect(failed.json).toMatchObject({ event: 'release.failed', release: { id: broken.id, state: 'failed', error: expect.any(String) } });
    // Each event went once to each webhook, though several processes heard the failure.
    await new Promise((r) => setTimeout(r, 1000));
    expect(sentTo('/generic', 'release.failed', broken.id)).toHaveLength(1);
    expect(sentTo('/discord', 'release.review', held.id)).toHaveLength(0);
  }, 180_000);

  it('tells about a release the reconciler failed (its jobs gone from the queue) as about one a worker failed, once', async () => {
    const book = path.join(app.dataDir, 'Lost Flow.epub');
    await writeEpub(book, { title: 'Lost Flow', date: '2019-05-02', publisher: 'Tor Books' });
    // Paused before the upload, so the upload is not inspected when the release is requested (its flow
    // is enrich <- inspect) and no worker takes the flow's first job before it is removed.
    const uploads = app.context.queue.queue(QueueName.Upload);
    await uploads.pause();
    let id: string;
    try {
      const uploadId = (await app.http.post('/api/uploads').set(as(operator)).attach('file', book)).body.upload.id;
      const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options: { group: 'ESP', proofUrl: 'https://books.example.test/lost' } });
      expect(requested.status).toBe(202);
      id = requested.body.release.id;
      // Redis loses the flow (here: removed by hand, the enrich parent with its inspect child).
      const flow = await app.context.queue.queue(QueueName.Enrich).getJob(`enrich-${id}`);
      await flow!.remove({ removeChildren: true });
    } finally {
      await uploads.resume();
    }
    expect((await app.http.get(`/api/releases/${id}`).set(as(operator))).body.release.state).toBe('queued');

    // The reconciler, as the scheduler runs it, twice: the second run finds nothing new to tell.
    const redis = createRedis(app.config, 'worker');
    redis.on('error', () => undefined);
    const scheduler = new Scheduler(app.config, app.context.logger, redis);
    try {
      const report = await scheduler.run.reconcile({ graceMs: 0 });
      expect(report!.releasesFailed).toEqual([{ id, reason: FLOW_LOST }]);
      expect((await scheduler.run.reconcile({ graceMs: 0 }))!.releasesFailed).toEqual([]);
    } finally {
      await scheduler.stop();
      redis.disconnect();
    }

    const [failed] = await arrived('/generic', 'release.failed', id);
    expect(failed.signature?.ok).toBe(true);
    expect(failed.json).toEqual({
      event: 'release.failed',
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      release: { id, name: null, state: 'failed', group: 'ESP', step: 'inspect', error: FLOW_LOST, reviewReasons: [] },
    });
    // Through the same notify job as a worker's report would be (one per release, event and webhook).
    const job = await waitFor('the notify job to complete', async () => {
      const found = (await app.http.get(`/api/jobs/notify/notify-release.failed-${id}-${webhooks.generic}`).set(as(admin))).body.job;
      return found?.state === 'completed' ? found : undefined;
    }, 30_000);
    expect(job.data).toMatchObject({ webhookId: webhooks.generic, event: 'release.failed' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(sentTo('/generic', 'release.failed', id)).toHaveLength(1);
    expect(received.some((r) => r.path === '/other' && JSON.stringify(r.json).includes(id))).toBe(false);
  }, 120_000);

  it('logs, and never throws into the release flow, an event it cannot enqueue (Redis unreachable)', async () => {
    // A producer whose connection went away: enqueueing answers "unavailable" (a 503 in the API).
    const deadRedis = createRedis(app.config, 'producer');
    deadRedis.on('error', () => undefined);
    await whenReady(deadRedis, 5000);
    const deadQueue = new JobQueue(app.config, deadRedis, app.context.logger);
    deadRedis.disconnect();
    const before = app.logged().length;
    try {
      await expect(announceJobOutcome({ jobName: 'pack', outcome: 'completed', data: { releaseId: packed.id }, jobTimestamp: Date.now() }, deadQueue, app.context.logger)).resolves.toBeUndefined();
    } finally {
      await deadQueue.close().catch(() => undefined);
      deadRedis.disconnect();
    }
    expect(app.logged().slice(before)).toContainEqual(expect.objectContaining({ level: 'warn', message: 'release event not announced', job: 'pack', error: expect.stringMatching(/unavailable/i) }));
  }, 60_000);

  it('sends nothing to a disabled webhook', async () => {
    expect((await app.http.patch(`/api/notifications/webhooks/${webhooks.slack}`).set(as(admin)).send({ enabled: false })).status).toBe(200);
    const next = await requestRelease('Quiet One', { proofUrl: 'https://books.example.test/quiet' });
    await arrived('/generic', 'release.done', next.id);
    await arrived('/discord', 'release.done', next.id);
    expect(sentTo('/slack', 'release.done', next.id)).toHaveLength(0);
  }, 120_000);
});
