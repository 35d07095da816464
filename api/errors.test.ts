import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { startTestApp, TestApp } from '../test/support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

function expectErrorShape(body: { error?: Record<string, unknown> }, code: string) {
  expect(body.error).toEqual(expect.objectContaining({ code, message: expect.any(String), requestId: expect.any(String) }));
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

describe('error shape', () => {
  it('bad JSON is a 400 INVALID_JSON', async () => {
    const res = await app.http.post('/api/auth/login').set('Content-Type', 'application/json').send('{"email": ');
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'INVALID_JSON');
    expect(res.body.error.message).toBe('The request body is not valid JSON');
  });

  it('an unknown route is a 404 naming it', async () => {
    const res = await app.http.get('/api/nope');
    expect(res.status).toBe(404);
    expectErrorShape(res.body, 'NOT_FOUND');
    expect(res.body.error.message).toBe('Route GET /api/nope not found');
  });

  it('a wrong method on a known route is a 405', async () => {
    const res = await app.http.get('/api/auth/login');
    expect(res.status).toBe(405);
    expectErrorShape(res.body, 'METHOD_NOT_ALLOWED');
    expect((await app.http.delete('/health')).status).toBe(405);
  });

  it('an oversize JSON body is a 413', async () => {
    const res = await app.http.post('/api/auth/login').set('Content-Type', 'application/json').send(JSON.stringify({ email: 'x'.repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expectErrorShape(res.body, 'PAYLOAD_TOO_LARGE');
    expect(res.body.error.message).toBe('The request body is larger than the limit of 1048576 bytes');
  });

  it('a body in an encoding or charset the parser cannot read is a 415 naming it', async () => {
    const post = (header: string, value: string) => app.http.post('/api/auth/login').set('Content-Type', 'application/json').set(header, value).send('{"email":"a@example.test"}');
    const encoding = await post('Content-Encoding', 'zstd-nope');
    expect(encoding.status).toBe(415);
    expectErrorShape(encoding.body, 'UNSUPPORTED_MEDIA_TYPE');
    expect(encoding.body.error.message).toBe('unsupported content encoding "zstd-nope"');
    const charset = await post('Content-Type', 'application/json; charset=latin1');
    expect(charset.status).toBe(415);
    expectErrorShape(charset.body, 'UNSUPPORTED_MEDIA_TYPE');
    expect(charset.body.error.message).toBe('unsupported charset "LATIN1"');
  });

  it('a path that does not decode is a 400, not a crash', async () => {
    const res = await app.http.get('/api/releases/%E0%A4%A');
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'BAD_REQUEST');
    expect(res.body.error.message).toBe('Bad request');
    // The answer does not name the library; the log does, so an unexpected refusal can be traced.
    expect(app.logged().filter((l) => l.requestId === res.body.error.requestId && l.level === 'warn')).toEqual([
      expect.objectContaining({ message: 'request refused by a library', method: 'GET', path: '/api/releases/%E0%A4%A', status: 400 }),
    ]);
  });

  it('requests refused by the HTTP parser get the JSON error shape too, and the API keeps answering', async () => {
    const { port } = app.server.address() as AddressInfo;
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.end(request));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    const [head, body] = (await raw(`GET /api/releases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'x'.repeat(100_000)}\r\n\r\n`)).split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(head).toMatch(/\r\nContent-Type: application\/json/);
    expect(JSON.parse(body)).toEqual({ error: { code: 'HEADERS_TOO_LARGE', message: 'The request headers are larger than the server accepts' } });
    const malformed = (await raw('NOT HTTP AT ALL\r\n\r\n')).split('\r\n\r\n');
    expect(malformed[0]).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(malformed[1]).error.code).toBe('BAD_REQUEST');
    expect((await app.http.get('/health')).status).toBeLessThan(500);
  });

  it('a body of the wrong shape is a 400 listing the fields', async () => {
    const res = await app.http.post('/api/auth/login').send({ email: 'x', password: 42 });
    expect(res.status).toBe(400);
    expectErrorShape(res.body, 'VALIDATION_FAILED');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['email', 'password']);
  });

  it('every response carries a request id; a sane incoming one is kept, a hostile one replaced', async () => {
    const kept = await app.http.get('/api/nope').set('X-Request-Id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    expect(kept.body.error.requestId).toBe('abc-123');
    const replaced = await app.http.get('/api/nope').set('X-Request-Id', 'evil id <script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers and hides the framework', async () => {
    const res = await app.http.get('/health');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('tells caches to keep no API answer, an error included', async () => {
    for (const res of [await app.http.get('/api/auth/me'), await app.http.post('/api/auth/login').send({ email: 'nobody@example.test', password: 'not the password' })]) {
      expect({ status: res.status, cache: res.headers['cache-control'] }).toEqual({ status: 401, cache: 'no-store' });
    }
    // Refused before any route: by the body parser.
    const broken = await app.http.post('/api/auth/login').set('Content-Type', 'application/json').send('{"email":');
    expect({ status: broken.status, cache: broken.headers['cache-control'] }).toEqual({ status: 400, cache: 'no-store' });
  });
});
