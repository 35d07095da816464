import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { JobRun, RefreshToken, Upload, User } from '../db/models';
import { uploadPath } from '../jobs/storage-paths';
import { createRedis, Redis } from '../lib/redis';
import { insertRelease, insertUpload } from '../test/support/rows';
import { startTestApp, TestApp } from '../test/support/test-app';
import { withLock } from './redis-lock';
import { HealthWatch } from './tasks/health-watch';
import { rotateLogs } from './tasks/log-rotation';
import { runMaintenance } from './tasks/maintenance';

let app: TestApp;
let redis: Redis;
beforeAll(async () => {
  app = await startTestApp();
  redis = createRedis(app.config, 'worker');
});
afterAll(async () => {
  redis.disconnect();
  await app.close();
});

const DAY = 86_400_000;

describe('maintenance', () => {
  it('removes stale unreleased uploads, old temp entries, dead refresh tokens and old job runs, and nothing else', async () => {
    const { user } = await app.createUser('operator');
    const addUpload = async (id: string, ageDays: number) => {
      fs.mkdirSync(app.config.storage.uploadDir, { recursive: true });
      fs.writeFileSync(uploadPath(app.config, id), id);
      return insertUpload(user.id, { id, storedName: id, createdAt: new Date(Date.now() - ageDays * DAY) });
    };
    const stale = await addUpload('11111111-1111-4111-8111-111111111111', 30);
    const fresh = await addUpload('22222222-2222-4222-8222-222222222222', 1);
    const released = await addUpload('33333333-3333-4333-8333-333333333333', 30);
    await insertRelease(released);

    const partial = path.join(app.config.storage.uploadDir, '.partial');
    const incoming = path.join(app.config.storage.releasesDir, '.incoming');
    fs.mkdirSync(partial, { recursive: true });
    fs.mkdirSync(path.join(incoming, 'Old.Release.abc'), { recursive: true });
    fs.writeFileSync(path.join(partial, 'old'), 'x');
    fs.writeFileSync(path.join(partial, 'new'), 'x');
    const old = new Date(Date.now() - 2 * DAY);
    fs.utimesSync(path.join(partial, 'old'), old, old);
    fs.utimesSync(path.join(incoming, 'Old.Release.abc'), old, old);

    await RefreshToken.query().insert({ id: 'expired', userId: user.id, familyId: 'f', tokenHash: 'a'.repeat(64), expiresAt: new Date(Date.now() - DAY), createdAt: new Date() });
    await RefreshToken.query().insert({ id: 'live', userId: user.id, familyId: 'g', tokenHash: 'b'.repeat(64), expiresAt: new Date(Date.now() + DAY), createdAt: new Date() });

    const run = { queue: 'pack', jobId: 'j', jobName: 'pack', attempt: 1, state: 'completed' as const };
    await JobRun.query().insert({ ...run, startedAt: new Date(Date.now() - 100 * DAY) });
    await JobRun.query().insert({ ...run, startedAt: new Date() });

    const report = await runMaintenance(app.config);
    expect(report).toEqual({ uploadsRemoved: 1, tempEntriesRemoved: 2, refreshTokensRemoved: 1, jobRunsRemoved: 1 });
    expect(await JobRun.query().resultSize()).toBe(1);
    expect(await Upload.query().findById(stale.id)).toBeUndefined();
    expect(fs.existsSync(uploadPath(app.config, stale.id))).toBe(false);
    expect(await Upload.query().findById(fresh.id)).toBeDefined();
    expect(await Upload.query().findById(released.id)).toBeDefined();
    expect(fs.readdirSync(partial)).toEqual(['new']);
    expect(fs.readdirSync(incoming)).toEqual([]);
    expect((await RefreshToken.query()).map((t) => t.id)).toEqual(['live']);
    expect(await User.query().findById(user.id)).toBeDefined();
  });
});

describe('log rotation', () => {
  it('compresses past days, deletes days past retention, and leaves today alone', async () => {
    const dir = path.join(app.dataDir, 'rotation');
    fs.mkdirSync(dir);
    const now = new Date('2026-11-24T00:05:00Z');
    fs.writeFileSync(path.join(dir, 'app-2026-11-24.log'), 'today\n');
    fs.writeFileSync(path.join(dir, 'app-2026-11-23.log'), 'yesterday line 1\nyesterday line 2\n');
    fs.writeFileSync(path.join(dir, 'app-2026-10-01.log'), 'ancient\n');
    fs.writeFileSync(path.join(dir, 'app-2026-10-02.log.gz'), zlib.gzipSync('old\n'));
    const report = await rotateLogs(path.join(dir, 'app.log'), 30, now);
    expect(report).toEqual({ compressed: ['app-2026-11-23.log'], deleted: expect.arrayContaining(['app-2026-10-01.log', 'app-2026-10-02.log.gz']) });
    expect(fs.readdirSync(dir).sort()).toEqual(['app-2026-11-23.log.gz', 'app-2026-11-24.log']);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'app-2026-11-23.log.gz'))).toString()).toBe('yesterday line 1\nyesterday line 2\n');
  });

  it("touches only LOG_FILE's own dated files: another program's dated logs in the same folder are left alone", async () => {
    const dir = path.join(app.dataDir, 'shared-log-folder');
    fs.mkdirSync(dir);
    const now = new Date('2026-11-24T00:05:00Z');
    const others = ['backup-2026-10-01.log', 'backup-2026-11-23.log', 'nginx-2026-10-01.log.gz', 'esp-2026-10-01.txt', 'espx-2026-10-01.log', 'app-2026-10-01.log'];
    for (const name of others) fs.writeFileSync(path.join(dir, name), 'not ours\n');
    fs.writeFileSync(path.join(dir, 'esp-2026-10-01.log'), 'ours, past retention\n');
    fs.writeFileSync(path.join(dir, 'esp-2026-11-23.log'), 'ours, yesterday\n');
    // LOG_FILE=<dir>/esp.log: the logger writes esp-YYYY-MM-DD.log.
    const report = await rotateLogs(path.join(dir, 'esp.log'), 30, now);
    expect(report).toEqual({ compressed: ['esp-2026-11-23.log'], deleted: ['esp-2026-10-01.log'] });
    expect(fs.readdirSync(dir).sort()).toEqual([...others, 'esp-2026-11-23.log.gz'].sort());
    for (const name of others) expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe('not ours\n');
  });
});

describe('health watch', () => {
  it('alerts once after more than two failures, stays quiet while down, and reports recovery', async () => {
    let healthy = false;
    const received: unknown[] = [];
    const server = http
      .createServer((req, res) => {
        if (req.url === '/health') {
          res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ components: { redis: { status: healthy ? 'up' : 'down' } } }));
          return;
        }
        let body = '';
        req.on('data', (c) => (body += c)).on('end', () => {
          received.push(JSON.parse(body));
          res.end('ok');
        });
      })
      .listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      for (const format of ['slack', 'discord', 'pagerduty'] as const) {
        received.length = 0;
        healthy = false;
        const watch = new HealthWatch({ healthUrl: `${base}/health`, timeoutMs: 1000, failuresBeforeAlert: 2, webhookUrl: `${base}/hook`, format, pagerDutyRoutingKey: 'rk', logger: app.context.logger });
        expect([await watch.tick(), await watch.tick(), await watch.tick(), await watch.tick()]).toEqual(['failing', 'failing', 'alerted', 'failing']);
        healthy = true;
        expect([await watch.tick(), await watch.tick()]).toEqual(['recovered', 'ok']);
        expect(received).toHaveLength(2);
        if (format === 'slack') expect(received[0]).toEqual({ text: expect.stringMatching(/failed 3 times in a row: HTTP 503 \(redis down\)/) });
        if (format === 'discord') expect(received[1]).toEqual({ content: expect.stringMatching(/passes again/) });
        if (format === 'pagerduty') {
          expect(received[0]).toMatchObject({ routing_key: 'rk', event_action: 'trigger', dedup_key: 'ebook-scene-packer-health', payload: { severity: 'critical' } });
          expect(received[1]).toMatchObject({ event_action: 'resolve', dedup_key: 'ebook-scene-packer-health' });
        }
      }
    } finally {
      server.close();
    }
  });

  it('counts an unreachable API as a failure', async () => {
    const watch = new HealthWatch({ healthUrl: 'http://127.0.0.1:9/health', timeoutMs: 500, failuresBeforeAlert: 0, format: 'slack', logger: app.context.logger });
    expect(await watch.tick()).toBe('alerted');
  });
});

describe('redis lock', () => {
  it('lets only one of two overlapping runs through', async () => {
    const key = `${app.config.redis.prefix}:lock:test`;
    let release!: () => void;
    const first = withLock(redis, key, 10_000, () => new Promise<string>((r) => (release = () => r('first'))));
    await new Promise((r) => setTimeout(r, 50));
    expect(await withLock(redis, key, 10_000, async () => 'second')).toBeUndefined();
    release();
    expect(await first).toBe('first');
    expect(await withLock(redis, key, 10_000, async () => 'third')).toBe('third');
  });
});
