import type { Socket } from 'node:net';
import { startRawServer } from '../test/support/raw-server';
import { startTestApp, TestApp } from '../test/support/test-app';
import { TEST_DB } from '../test/support/test-env';
import { waitFor } from '../test/support/worker-process';
import { HEALTH_REPORT_TTL_MS } from './services/health-service';

describe('GET /health', () => {
  let app: TestApp;
  afterEach(() => app?.close());

  it('answers 200 with each component up and its latency, without authentication', async () => {
    app = await startTestApp();
    const sent = performance.now();
    const res = await app.http.get('/health');
    const answered = performance.now();
    expect(res.status).toBe(200);
    expect(res.body.components.database).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    expect(res.body.components.redis).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    for (const component of [res.body.components.database, res.body.components.redis]) {
      expect(component.latencyMs).toBeLessThanOrEqual(Math.ceil(answered - sent));
    }
    // No worker runs in this test: the report says so (degraded), but the API itself is healthy.
    expect(res.body.status).toBe('degraded');
    expect(res.body.workers).toEqual({ upload: 0, enrich: 0, pack: 0, distribute: 0, notify: 0 });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 503 naming Redis when Redis is unreachable (dead port), and reuses that report while it is fresh', async () => {
    app = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1/0', HEALTH_TIMEOUT_MS: '300' });
    let probes = 0;
    app.context.db.on('query', (q: { sql: string }) => {
      if (q.sql === 'select 1') probes++;
    });
    const sent = performance.now();
    const res = await app.http.get('/health');
    const answered = performance.now();
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('down');
    expect(res.body.components.redis).toEqual({ status: 'down', latencyMs: expect.any(Number), error: 'unreachable' });
    // The probe's own time: within the request's.
    expect(res.body.components.redis.latencyMs).toBeLessThanOrEqual(Math.ceil(answered - sent));
    expect(res.body.components.database.status).toBe('up');
    expect(res.body.workers).toEqual({});
    // Asked again at once, the report that saw Redis down answers: no second probe. (Its age is the
    // time to send the first answer plus the wait here; the check is skipped on a machine so slow
    // that the wait alone nears the report's lifetime.)
    const askedAgain = performance.now();
    const again = await app.http.get('/health');
    expect(again.body.status).toBe('down');
    if (askedAgain - answered < HEALTH_REPORT_TTL_MS / 2) expect(probes).toBe(1);
  });

  it('answers 503 naming the database when it is unreachable, and leaks no connection details', async () => {
    app = await startTestApp({ DATABASE_URL: 'mysql://root:hunter2secret@127.0.0.1:1/nothing', HEALTH_TIMEOUT_MS: '500' }, { migrate: false });
    const sent = performance.now();
    const res = await app.http.get('/health');
    const answered = performance.now();
    expect(res.status).toBe(503);
    expect(res.body.components.database).toEqual({ status: 'down', latencyMs: expect.any(Number), error: 'unreachable' });
    expect(res.body.components.database.latencyMs).toBeLessThanOrEqual(Math.ceil(answered - sent));
    expect(res.body.components.redis.status).toBe('up');
    expect(JSON.stringify(res.body)).not.toMatch(/hunter2|127\.0\.0\.1|root/);
  });

  it('times out a hanging component instead of hanging itself', async () => {
    // A listening socket that never answers: Redis "connects" but PING gets no reply.
    const silent = await startRawServer();
    try {
      app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${silent.port}/0`, HEALTH_TIMEOUT_MS: '300' });
      const started = Date.now();
      const res = await app.http.get('/health');
      expect(res.status).toBe(503);
      // It never became ready (its ready check gets no reply either): not reached, as a closed port.
      expect(res.body.components.redis).toMatchObject({ status: 'down', error: 'unreachable' });
      expect(Date.now() - started).toBeLessThan(5000);
      await app.close();

      // A database that accepts the connection and never answers has timed out.
      app = await startTestApp({ DATABASE_URL: `mysql://root@127.0.0.1:${silent.port}/nothing`, HEALTH_TIMEOUT_MS: '300' }, { migrate: false });
      const db = await app.http.get('/health');
      expect(db.status).toBe(503);
      expect(db.body.components.database).toMatchObject({ status: 'down', error: 'timeout' });
      expect(db.body.components.redis.status).toBe('up');
    } finally {
      await silent.close();
    }
  });

  it('reports a Redis that became ready and then stopped answering as timed out, not unreachable', async () => {
    // A Redis that answers each command until the first PING, and from then on nothing.
    const info = '# Server\r\nredis_version:7.2.0\r\nloading:0\r\n';
    const answerUntilPing = (socket: Socket) => {
      let silent = false;
      socket.on('data', (chunk) => {
        // Each command arrives as a RESP array; its name is the first bulk string.
        for (const [, name] of chunk.toString().matchAll(/\*\d+\r\n\$\d+\r\n([^\r]+)\r\n/g)) {
          if (silent || /^ping$/i.test(name)) silent = true;
          else socket.write(/^info$/i.test(name) ? `$${info.length}\r\n${info}\r\n` : '+OK\r\n');
        }
      });
    };
    const redis = await startRawServer(answerUntilPing);
    try {
      app = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${redis.port}/0`, HEALTH_TIMEOUT_MS: '300' });
      const res = await app.http.get('/health');
      expect(res.status).toBe(503);
      expect(res.body.components.redis).toMatchObject({ status: 'down', error: 'timeout' });
      expect(res.body.components.database.status).toBe('up');
    } finally {
      await redis.close();
    }
  });
});

describe('GET /health and the database schema', () => {
  let app: TestApp;
  afterEach(() => app?.close());

  /** The next report that no longer matches `previous` (reports are shared for HEALTH_REPORT_TTL_MS). */
  async function healthUntil(accept: (res: { status: number; body: { components: { database: Record<string, unknown> } } }) => boolean) {
    return waitFor('a matching health report', async () => {
      const res = await app.http.get('/health');
      return accept(res) && res;
    });
  }

  it(`answers 503 with the database down while a migration is rolled back under the running app (${TEST_DB}), and up again once migrated`, async () => {
    app = await startTestApp({ HEALTH_SCHEMA_CHECK_SECONDS: '0' });
    const before = await app.http.get('/health');
    expect(before.body.components.database).toEqual({ status: 'up', latencyMs: expect.any(Number) });

    await app.context.db.migrate.down();
    const behind = await healthUntil((res) => res.body.components.database.status === 'down');
    expect(behind.status).toBe(503);
    expect(behind.body).toMatchObject({ status: 'down', components: { database: { status: 'down', error: 'schema behind', pendingMigrations: 1 }, redis: { status: 'up' } } });

    await app.context.db.migrate.latest();
    const migrated = await healthUntil((res) => res.body.components.database.status === 'up');
    expect(migrated.status).toBe(200);
    expect(migrated.body.components.database).toEqual({ status: 'up', latencyMs: expect.any(Number) });
  });

  it(`says the schema is missing when every table is gone, migrations table included (${TEST_DB})`, async () => {
    app = await startTestApp({ HEALTH_SCHEMA_CHECK_SECONDS: '0' });
    await app.context.db.migrate.rollback(undefined, true);
    await app.context.db.schema.dropTable('knex_migrations_lock').dropTable('knex_migrations');
    const missing = await healthUntil((res) => res.body.components.database.status === 'down');
    expect(missing.status).toBe(503);
    expect(missing.body.components.database).toEqual({ status: 'down', latencyMs: expect.any(Number), error: 'schema missing' });
    // The check only reads: it never creates the migrations table (knex's migrate.list() would).
    expect(await app.context.db.schema.hasTable('knex_migrations')).toBe(false);
  });

  it('reads the migrations once while the schema is current and HEALTH_SCHEMA_CHECK_SECONDS has not passed', async () => {
    app = await startTestApp();
    let probes = 0;
    let schemaReads = 0;
    app.context.db.on('query', (q: { sql: string }) => {
      if (q.sql === 'select 1') probes++;
      if (/from [`"]?knex_migrations[`"]?/.test(q.sql)) schemaReads++;
    });
    await waitFor('three health probes', async () => {
      await app.http.get('/health');
      return probes >= 3;
    });
    // The first probe read the applied migrations; the others believed it.
    expect(schemaReads).toBe(1);
  });
});
