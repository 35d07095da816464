import { startTestApp, TestApp } from '../test/support/test-app';

describe('GET /health', () => {
  let app: TestApp;
  afterEach(() => app?.close());

  it('answers 200 with each component up and its latency, without authentication', async () => {
    app = await startTestApp();
    const res = await app.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body.components.database).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    expect(res.body.components.redis).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    // No worker runs in this test: the report says so (degraded), but the API itself is healthy.
    expect(res.body.status).toBe('degraded');
    expect(res.body.workers).toEqual({ upload: 0, enrich: 0, pack: 0, distribute: 0, notify: 0 });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 naming Redis when Redis is unreachable (dead port)', async () => {
    app = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1/0', HEALTH_TIMEOUT_MS: '300' });
    const res = await app.http.get('/health');
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('down');
    expect(res.body.components.redis.status).toBe('down');
    expect(res.body.components.database.status).toBe('up');
  });

  it('answers 503 naming the database when it is unreachable, and leaks no connection details', async () => {
    app = await startTestApp({ DATABASE_URL: 'mysql://root:hunter2secret@127.0.0.1:1/nothing', HEALTH_TIMEOUT_MS: '500' }, { migrate: false });
    const res = await app.http.get('/health');
    expect(res.status).toBe(503);
    expect(res.body.components.database.status).toBe('down');
    expect(res.body.components.redis.status).toBe('up');
    expect(JSON.stringify(res.body)).not.toMatch(/hunter2|127\.0\.0\.1|root/);
  });

  it('times out a hanging component instead of hanging itself', async () => {
    // A listening socket that never answers: Redis "connects" but PING gets no reply.
    const net = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const silent = net.createServer((socket) => sockets.add(socket)).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const port = (silent.address() as { port: number }).port;
    try {
      app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${port}/0`, HEALTH_TIMEOUT_MS: '300' });
      const started = Date.now();
      const res = await app.http.get('/health');
      expect(res.status).toBe(503);
      expect(res.body.components.redis.status).toBe('down');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
