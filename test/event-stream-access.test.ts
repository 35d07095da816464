import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { EventFrame, openEventStream } from './support/event-stream';
import { startTestApp, TEST_PASSWORD, TestApp } from './support/test-app';
import { waitFor } from './support/worker-process';

/**
 * An open GET /api/events stream keeps to the caller's access: it is checked again on every
 * heartbeat (shortened here) and when the token expires, and the stream ends with an
 * `unauthorized` event once it is gone. A user holds a few streams at once, not thousands.
 */
let app: TestApp;
let base: string;
let admin: { token: string };
const as = (token: string) => ({ Authorization: `Bearer ${token}` });

beforeAll(async () => {
  app = await startTestApp({}, { app: { events: { heartbeatMs: 200 } } });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  admin = await app.createUser('admin', 'root@example.test');
}, 60_000);
afterAll(async () => {
  await app.context.events.shutdown();
  await app.close();
});

async function openReady(headers: Record<string, string>) {
  const stream = await openEventStream(`${base}/api/events`, headers);
  expect(stream.res.status).toBe(200);
  await waitFor('the stream to be ready', async () => stream.frames.some((f) => f.event === 'ready'));
  return stream;
}

/** Waits for the server to end the stream, and returns its last frame. */
async function endOf(stream: Awaited<ReturnType<typeof openReady>>): Promise<EventFrame> {
  await waitFor('the stream to end', async () => stream.ended(), 30_000, async () => stream.frames);
  return stream.frames[stream.frames.length - 1];
}

/** A release event about a release of `userId`, through the shared log as the API's changes go. */
async function publishFor(userId: number): Promise<string> {
  const releaseId = randomUUID();
  await app.context.events.publish({ type: 'release-deleted', releaseId, userId });
  return releaseId;
}
const heard = (frames: EventFrame[], releaseId: string) => frames.some((f) => f.data.releaseId === releaseId);

describe('an open event stream', () => {
  it('ends when its bearer token is logged out', async () => {
    const { user } = await app.createUser('operator');
    const login = await app.http.post('/api/auth/login').send({ email: user.email, password: TEST_PASSWORD });
    const stream = await openReady(as(login.body.accessToken));
    const own = await publishFor(user.id);
    await waitFor('its own release event', async () => heard(stream.frames, own));
    const out = await app.http.post('/api/auth/logout').set(as(login.body.accessToken)).send({ refreshToken: login.body.refreshToken });
    expect(out.status).toBe(204);
    expect(await endOf(stream)).toEqual({ event: 'unauthorized', data: { code: 'TOKEN_REVOKED' } });
  });

  it('ends when the web app session (cookie) is logged out', async () => {
    const { user } = await app.createUser('operator');
    const login = await app.http.post('/api/session').set('Origin', base).send({ email: user.email, password: TEST_PASSWORD });
    const cookie = login.headers['set-cookie'][0].split(';')[0];
    const stream = await openReady({ Cookie: cookie });
    expect((await app.http.delete('/api/session').set('Cookie', cookie).set('Origin', base)).status).toBe(204);
    expect(await endOf(stream)).toEqual({ event: 'unauthorized', data: { code: 'TOKEN_REVOKED' } });
  });

  it('ends when its user is disabled', async () => {
    const { user, token } = await app.createUser('operator');
    const stream = await openReady(as(token));
    expect((await app.http.patch(`/api/users/${user.id}`).set(as(admin.token)).send({ disabled: true })).status).toBe(200);
    expect(await endOf(stream)).toEqual({ event: 'unauthorized', data: { code: 'ACCOUNT_DISABLED' } });
  });

  it('ends when its token expires', async () => {
    const { user } = await app.createUser('operator');
    const stream = await openReady(as(app.context.services.auth.signAccessToken(user, 2)));
    expect(await endOf(stream)).toEqual({ event: 'unauthorized', data: { code: 'TOKEN_EXPIRED' } });
  });

  it('ends when its role no longer holds releases:READ', async () => {
    const role = await app.http.post('/api/roles').set(as(admin.token)).send({ name: 'bystander', permissions: ['groups:READ'] });
    expect(role.status).toBe(201);
    const { user, token } = await app.createUser('operator');
    const stream = await openReady(as(token));
    expect((await app.http.patch(`/api/users/${user.id}`).set(as(admin.token)).send({ role: 'bystander' })).status).toBe(200);
    expect(await endOf(stream)).toEqual({ event: 'unauthorized', data: { code: 'FORBIDDEN' } });
  });

  it("stops telling a demoted moderator about other users' releases", async () => {
    const { user: moderator, token } = await app.createUser('admin');
    const { user: other } = await app.createUser('operator');
    const stream = await openReady(as(token));
    const before = await publishFor(other.id);
    await waitFor("another user's release event", async () => heard(stream.frames, before));
    expect((await app.http.patch(`/api/users/${moderator.id}`).set(as(admin.token)).send({ role: 'operator' })).status).toBe(200);
    // Each round: another user's event, then one of their own; once the own one arrives without the other, the filter has changed.
    await waitFor(
      "another user's release events to stop",
      async () => {
        const others = await publishFor(other.id);
        const own = await publishFor(moderator.id);
        await waitFor('their own release event', async () => heard(stream.frames, own));
        return !heard(stream.frames, others);
      },
      30_000,
    );
    expect(stream.ended()).toBe(false);
    await stream.close();
  });
});

describe('open event streams per user', () => {
  it('are capped: one more is refused with 429 before the stream starts, and closing one frees its slot', async () => {
    const { token } = await app.createUser('operator');
    const streams: Awaited<ReturnType<typeof openReady>>[] = [];
    for (let i = 0; i < 5; i++) streams.push(await openReady(as(token)));
    const refused = await fetch(`${base}/api/events`, { headers: as(token) });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/json/);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ code: 'TOO_MANY_STREAMS' });
    // Another user is not held back by this one's streams.
    streams.push(await openReady(as(admin.token)));

    await streams.shift()!.close();
    const again = await waitFor('a slot to be free again', async () => {
      const res = await fetch(`${base}/api/events`, { headers: as(token) });
      if (res.status === 200) return res;
      await res.body?.cancel();
      return undefined;
    });
    await again.body?.cancel();
    await Promise.all(streams.map((s) => s.close()));
  });
});

describe('HEAD /api/events', () => {
  it('answers the headers and ends: the connection serves the next request', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const request = (method: string, path: string, headers: Record<string, string> = {}) =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        http
          .request(`${base}${path}`, { method, agent, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res));
          })
          .on('error', reject)
          .end();
      });
    try {
      const head = await request('HEAD', '/api/events', as(admin.token));
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      // Queued behind the HEAD on the one connection: answered only once the HEAD has ended.
      expect((await request('GET', '/health')).statusCode).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
