import { whenReady } from '../lib/redis';
import { startSwitchableProxy } from '../test/support/switchable-proxy';
import { startTestApp, TestApp } from '../test/support/test-app';
import { TEST_REDIS_URL } from '../test/support/test-env';
import { HEALTH_REPORT_TTL_MS } from './services/health-service';

describe('GET /health under load', () => {
  let app: TestApp;
  afterEach(() => app?.close());

  it('shares one probe between concurrent and quickly repeated requests, and probes again once the report is old', async () => {
    app = await startTestApp();
    let probes = 0;
    app.context.db.on('query', (q: { sql: string }) => {
      if (q.sql === 'select 1') probes++;
    });
    const started = performance.now();
    const burst = await Promise.all(Array.from({ length: 40 }, () => app.http.get('/health')));
    const windows = Math.ceil((performance.now() - started) / HEALTH_REPORT_TTL_MS);
    expect(burst.every((res) => res.status === 200 && res.body.components.database.status === 'up')).toBe(true);
    // One probe per report lifetime at most (a slow machine may stretch the burst over a few).
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThanOrEqual(Math.min(windows + 1, 5));
    let before = probes;

    // Requests one after another share a report too, while it is fresh.
    await new Promise((r) => setTimeout(r, HEALTH_REPORT_TTL_MS + 100));
    const inTurn = performance.now();
    for (let i = 0; i < 5; i++) expect((await app.http.get('/health')).status).toBe(200);
    expect(probes - before).toBeLessThanOrEqual(Math.ceil((performance.now() - inTurn) / HEALTH_REPORT_TTL_MS));
    before = probes;

    await new Promise((r) => setTimeout(r, HEALTH_REPORT_TTL_MS + 100));
    const later = await app.http.get('/health');
    expect(later.status).toBe(200);
    expect(probes).toBe(before + 1);
  });

  it('does not answer with a fresh report that saw Redis up once the client has lost its connection', async () => {
    // Redis behind a proxy the test can cut: the client's connection drops at once, and no new one is let through.
    const proxy = await startSwitchableProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
    try {
      app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${proxy.port}/0`, HEALTH_TIMEOUT_MS: '300' });
      expect((await app.http.get('/health')).body.components.redis.status).toBe('up');
      proxy.cut();
      const redis = app.context.redis;
      await new Promise<void>((resolve) => (redis.status === 'ready' ? redis.once('close', () => resolve()) : resolve()));
      // Well within the report's lifetime (250 ms) on any but a stalled machine, where the report is old anyway.
      const res = await app.http.get('/health');
      expect(res.status).toBe(503);
      expect(res.body.components.redis).toMatchObject({ status: 'down', error: 'unreachable' });
    } finally {
      // Redis back, and the client on it again, before the app closes: its queues close as they would.
      proxy.restore();
      if (app) await whenReady(app.context.redis, 5000);
      await app?.close();
      app = undefined as never;
      await proxy.close();
    }
  });
});
