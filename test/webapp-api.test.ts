import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { EventFrame, openEventStream } from './support/event-stream';
import { startTestApp, TEST_PASSWORD, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * What the web app stands on, over HTTP against the real app and a real worker: the cookie
 * session (and its same-origin guard on /api), /api/auth/me with the permission list, the live
 * event stream (permission filter, resume with Last-Event-ID) and the downloads of a release.
 */
let app: TestApp;
let worker: ReturnType<typeof startWorker>;
let base: string;
let alice: { token: string; user: { id: number; email: string } };
let bob: { token: string; user: { id: number; email: string } };
let admin: { token: string; user: { id: number; email: string } };
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

/** A live SSE connection, and a way to wait for a frame. */
async function openEvents(headers: Record<string, string>) {
  const stream = await openEventStream(`${base}/api/events`, headers);
  return { ...stream, until: (what: string, check: (frames: EventFrame[]) => boolean) => waitFor(what, async () => check(stream.frames), 90_000, async () => stream.frames) };
}

async function uploaded(who: { token: string }, file: string): Promise<string> {
  const res = await app.http.post('/api/uploads').set(as(who)).attach('file', file);
  const id = res.body.upload.id;
  await waitFor('inspection', async () => (await app.http.get(`/api/uploads/${id}`).set(as(who))).body.upload.metadata);
  return id;
}

async function requestRelease(who: { token: string }, title: string): Promise<string> {
  const book = path.join(app.dataDir, `${title.replace(/\W/g, '')}.epub`);
  await writeEpub(book, { title, creators: [{ name: 'Ursula K. Le Guin' }], date: '2001-01-01', publisher: 'Ace' });
  const res = await app.http
    .post('/api/releases')
    .set(as(who))
    .send({ uploadId: await uploaded(who, book), options: { group: 'ESP', proofUrl: 'https://books.example.test/x' } });
  expect(res.status).toBe(202);
  return res.body.release.id;
}

const releaseFrames = (frames: EventFrame[], releaseId: string) => frames.filter((f) => f.event === 'release' && f.data.releaseId === releaseId);
const reachedDone = (frames: EventFrame[], releaseId: string) => releaseFrames(frames, releaseId).some((f) => f.data.state === 'done');

beforeAll(async () => {
  app = await startTestApp();
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  alice = await app.createUser('operator', 'alice@example.test');
  bob = await app.createUser('operator', 'bob@example.test');
  admin = await app.createUser('admin', 'root@example.test');
  worker = await startReadyWorker(app.env, app.context.queue);
}, 90_000);
afterAll(async () => {
  await app.context.events.shutdown();
  await stopWorker(worker);
  await app.close();
});

describe('web app session', () => {
  let cookie: string;

  it('logs in with a cookie session that /api accepts, and /me lists the permissions', async () => {
    const login = await app.http.post('/api/session').set('Origin', base).send({ email: alice.user.email, password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.permissions).toContain('releases:WRITE');
    expect(login.body.permissions).not.toContain('users:READ');
    const setCookie = login.headers['set-cookie'][0];
    expect(setCookie).toMatch(/^esp_session=.+; Max-Age=3600; Path=\/api; Expires=.+; HttpOnly; SameSite=Strict$/);
    cookie = setCookie.split(';')[0];

    const me = await app.http.get('/api/auth/me').set('Cookie', cookie);
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('alice@example.test');
    expect(me.body.permissions).toEqual([...me.body.permissions].sort());
    expect(me.body.permissions).toEqual(expect.arrayContaining(['releases:READ', 'releases:WRITE', 'releases:DELETE', 'groups:READ']));
    const adminMe = await app.http.get('/api/auth/me').set(as(admin));
    expect(adminMe.body.permissions).toContain('users:WRITE');
  });

  it('refuses cookie-authenticated changes from another site, and logins from another site', async () => {
    const forged = await app.http.post('/api/releases/preview').set('Cookie', cookie).set('Origin', 'https://evil.example').send({});
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('CSRF_REJECTED');
    const noOrigin = await app.http.post('/api/releases/preview').set('Cookie', cookie).send({});
    expect(noOrigin.body.error.code).toBe('CSRF_REJECTED');
    // From the page itself the request reaches validation.
    const same = await app.http.post('/api/releases/preview').set('Cookie', cookie).set('Sec-Fetch-Site', 'same-origin').send({});
    expect(same.status).toBe(400);
    // A bearer client is not a browser session: no Origin needed.
    expect((await app.http.post('/api/releases/preview').set(as(alice)).set('Cookie', cookie).send({})).status).toBe(400);
    const loginCsrf = await app.http.post('/api/session').set('Origin', 'https://evil.example').send({ email: alice.user.email, password: TEST_PASSWORD });
    expect(loginCsrf.body.error.code).toBe('CSRF_REJECTED');
  });

  it('logs out: the cookie is cleared and its token revoked', async () => {
    const out = await app.http.delete('/api/session').set('Cookie', cookie).set('Origin', base);
    expect(out.status).toBe(204);
    expect(out.headers['set-cookie'][0]).toMatch(/^esp_session=; Path=\/api; Expires=Thu, 01 Jan 1970/);
    const after = await app.http.get('/api/auth/me').set('Cookie', cookie);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('TOKEN_REVOKED');
  });
});

describe('live release events', () => {
  let aliceRelease: string;

  it('streams each release to its owner and to users with releases:MOD only, live', async () => {
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
    const [forAlice, forBob, forAdmin] = await Promise.all([openEvents(as(alice)), openEvents(as(bob)), openEvents(as(admin))]);
    expect(forAlice.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await forAlice.until('ready', (f) => f.some((x) => x.event === 'ready'));
    aliceRelease = await requestRelease(alice, 'The Tombs of Atuan');
    const bobRelease = await requestRelease(bob, 'The Other Wind');
    await forAlice.until('alice sees her release done', (f) => reachedDone(f, aliceRelease));
    await forBob.until('bob sees his release done', (f) => reachedDone(f, bobRelease));
    await forAdmin.until('the admin sees both done', (f) => reachedDone(f, aliceRelease) && reachedDone(f, bobRelease));
    expect(releaseFrames(forAlice.frames, bobRelease)).toEqual([]);
    expect(releaseFrames(forBob.frames, aliceRelease)).toEqual([]);
    // States move through the steps, progress with them; the uploads' inspections come along.
    const states = releaseFrames(forAlice.frames, aliceRelease).map((f) => f.data.state);
    expect(states).toEqual(expect.arrayContaining(['packing', 'done']));
    expect(forAlice.frames.some((f) => f.event === 'upload' && f.data.status === 'inspected')).toBe(true);
    expect(forBob.frames.filter((f) => f.event === 'upload').every((f) => f.data.userId === bob.user.id)).toBe(true);
    // Ids only grow.
    const ids = forAdmin.frames.filter((f) => f.id).map((f) => f.id!);
    expect(ids).toEqual([...ids].sort((a, b) => (BigInt(a.split('-')[0]) === BigInt(b.split('-')[0]) ? Number(a.split('-')[1]) - Number(b.split('-')[1]) : Number(BigInt(a.split('-')[0]) - BigInt(b.split('-')[0])))));
    await Promise.all([forAlice.close(), forBob.close(), forAdmin.close()]);
  }, 180_000);

  it('resumes after Last-Event-ID with what was missed, and says reset when the log no longer reaches back', async () => {
    const watching = await openEvents(as(admin));
    await watching.until('ready', (f) => f.some((x) => x.event === 'ready'));
    const since = watching.frames.find((f) => f.event === 'ready')!.id!;
    await watching.close();
    // Missed while away: a release requested, packed, then deleted by its owner.
    const missed = await requestRelease(alice, 'Tehanu');
    await waitFor('tehanu done', async () => (await app.http.get(`/api/releases/${missed}`).set(as(alice))).body.release.state === 'done', 90_000);
    expect((await app.http.delete(`/api/releases/${missed}`).set(as(alice))).status).toBe(204);

    const resumed = await openEvents({ ...as(alice), 'Last-Event-ID': since });
    await resumed.until('the missed deletion', (f) => f.some((x) => x.event === 'release-deleted' && x.data.releaseId === missed));
    expect(reachedDone(resumed.frames, missed)).toBe(true);
    expect(resumed.frames.some((f) => f.event === 'ready' || f.event === 'reset')).toBe(false);
    // Nothing from before the id given.
    expect(releaseFrames(resumed.frames, aliceRelease)).toEqual([]);
    await resumed.close();

    // The log trimmed past that id (by hand here; the cap does it on a busy install): what followed may be gone.
    await app.context.redis.xtrim(app.context.events.log.key, 'MAXLEN', 1);
    const tooOld = await openEvents({ ...as(alice), 'Last-Event-ID': since });
    await tooOld.until('reset', (f) => f.some((x) => x.event === 'reset'));
    await tooOld.close();
  }, 180_000);
});

describe('release downloads', () => {
  let release: { id: string; name: string; files: { fileName: string; size: number }[] };

  beforeAll(async () => {
    const id = await requestRelease(alice, 'The Farthest Shore');
    release = await waitFor('done', async () => {
      const r = (await app.http.get(`/api/releases/${id}`).set(as(alice))).body.release;
      return r.state === 'done' ? r : undefined;
    }, 90_000);
  }, 120_000);

  it('downloads each file as published, and the whole release as a zip that unzip -t accepts', async () => {
    const dir = path.join(app.config.storage.releasesDir, release.name);
    for (const file of release.files) {
      const res = await fetch(`${base}/api/releases/${release.id}/files/${encodeURIComponent(file.fileName)}`, { headers: as(alice) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="?${file.fileName}"?`));
      expect(Buffer.from(await res.arrayBuffer())).toEqual(fs.readFileSync(path.join(dir, file.fileName)));
    }
    const res = await fetch(`${base}/api/releases/${release.id}/archive`, { headers: as(admin) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const zip = path.join(app.dataDir, 'download.zip');
    fs.writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
    expect(execFileSync('unzip', ['-t', zip]).toString()).toContain('No errors detected');
    const entries = execFileSync('unzip', ['-Z1', zip]).toString().trim().split('\n').sort();
    expect(entries).toEqual([...release.files.map((f) => `${release.name}/${f.fileName}`), `${release.name}/${release.name}.sfv`].sort());
    expect(execFileSync('unzip', ['-p', zip, `${release.name}/${release.files[0].fileName}`])).toEqual(fs.readFileSync(path.join(dir, release.files[0].fileName)));
  });

  it("refuses other users' releases, unknown files and unpublished releases", async () => {
    const first = release.files[0].fileName;
    const bobs = await app.http.get(`/api/releases/${release.id}/files/${first}`).set(as(bob));
    expect(bobs.status).toBe(404);
    expect((await app.http.get(`/api/releases/${release.id}/archive`).set(as(bob))).status).toBe(404);
    expect((await app.http.get(`/api/releases/${release.id}/files/..%2F..%2Fsecrets.json`).set(as(alice))).status).toBe(400);
    expect((await app.http.get(`/api/releases/${release.id}/archive`)).status).toBe(401);
    expect((await app.http.post(`/api/releases/${release.id}/archive`).set(as(alice))).status).toBe(405);
    const held = await app.http
      .post('/api/releases')
      .set(as(alice))
      .send({ uploadId: await uploaded(alice, await undatedBook()), options: { group: 'ESP' } });
    const inReview = await waitFor('review', async () => (await app.http.get(`/api/releases/${held.body.release.id}`).set(as(alice))).body.release.state === 'review', 90_000);
    expect(inReview).toBe(true);
    const notYet = await app.http.get(`/api/releases/${held.body.release.id}/archive`).set(as(alice));
    expect(notYet.status).toBe(409);
    expect(notYet.body.error.code).toBe('NOT_PUBLISHED');
  }, 120_000);
});

async function undatedBook(): Promise<string> {
  const book = path.join(app.dataDir, 'undated.epub');
  await writeEpub(book, { title: 'The Wind Eight' });
  return book;
}
