import fs from 'node:fs';
import path from 'node:path';
import { Upload } from '../../db/models';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { as, Caller, uploadAs } from '../support/pipeline-world';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Uploads belong to the user who sent them: dedupe by SHA-256 is per user, an operator lists and
 * reads only their own, and an upload whose inspection cannot be queued leaves no row and no file.
 */
let app: TestApp;
let alice: Caller & { user: { id: number } };
let bob: Caller & { user: { id: number } };
let admin: Caller;
let book: string;

/** Stored upload files (the hidden .partial folder aside). */
const storedFiles = (dir: string) => fs.readdirSync(dir).filter((f) => !f.startsWith('.')).sort();

beforeAll(async () => {
  app = await startTestApp();
  alice = await app.createUser('operator', 'alice@example.test');
  bob = await app.createUser('operator', 'bob@example.test');
  admin = await app.createUser('admin', 'root@example.test');
  book = path.join(app.dataDir, 'shared.epub');
  await writeEpub(book, { title: 'Shared Bytes' });
});
afterAll(() => app.close());

describe('upload ownership', () => {
  let aliceUpload: { id: string; sha256: string };
  let bobUpload: { id: string; sha256: string };

  it('dedupes per user: the same bytes from another user make a new upload of their own', async () => {
    const first = await uploadAs(app, alice, book);
    expect(first.status).toBe(202);
    aliceUpload = first.body.upload;
    const second = await uploadAs(app, bob, book);
    expect(second.status).toBe(202);
    expect(second.body.duplicate).toBe(false);
    bobUpload = second.body.upload;
    expect(bobUpload.id).not.toBe(aliceUpload.id);
    expect(bobUpload.sha256).toBe(aliceUpload.sha256);
    expect(second.body.upload).toMatchObject({ userId: bob.user.id });
    expect(storedFiles(app.config.storage.uploadDir)).toEqual([aliceUpload.id, bobUpload.id].sort());
  });

  it("answers a user's repeated upload with their own earlier one", async () => {
    const again = await uploadAs(app, bob, book);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, upload: { id: bobUpload.id, userId: bob.user.id } });
    expect(await Upload.query().where({ sha256: aliceUpload.sha256 })).toHaveLength(2);
  });

  it("lists an operator's own uploads only, and everyone's to releases:MOD", async () => {
    const list = async (who: Caller) => {
      const res = await app.http.get('/api/uploads').set(as(who));
      expect(res.status).toBe(200);
      return res.body;
    };
    const ofAlice = await list(alice);
    expect(ofAlice.uploads.map((u: { id: string }) => u.id)).toEqual([aliceUpload.id]);
    expect(ofAlice.pagination).toMatchObject({ total: 1 });
    expect((await list(bob)).uploads.map((u: { id: string }) => u.id)).toEqual([bobUpload.id]);
    const everyone = await list(admin);
    expect(everyone.uploads.map((u: { id: string }) => u.id).sort()).toEqual([aliceUpload.id, bobUpload.id].sort());
    expect(everyone.pagination).toMatchObject({ total: 2 });
  });

  it("finds by SHA-256 only the caller's own upload (anyone's with releases:MOD)", async () => {
    const bySha = (who: Caller) => app.http.get(`/api/uploads/by-sha256/${aliceUpload.sha256}`).set(as(who));
    const carol = await app.createUser('operator', 'carol-sha@example.test');
    const stranger = await bySha(carol);
    expect(stranger.status).toBe(404);
    expect(JSON.stringify(stranger.body)).not.toContain(aliceUpload.id);
    expect((await bySha(bob)).body.upload).toMatchObject({ id: bobUpload.id, userId: bob.user.id });
    expect((await bySha(alice)).body.upload).toMatchObject({ id: aliceUpload.id, userId: alice.user.id });
    expect([aliceUpload.id, bobUpload.id]).toContain((await bySha(admin)).body.upload.id);
  });

  it("hides another user's upload as not found", async () => {
    const res = await app.http.get(`/api/uploads/${aliceUpload.id}`).set(as(bob));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(JSON.stringify(res.body)).not.toContain(aliceUpload.sha256);
  });
});

describe('an upload while Redis is down', () => {
  let down: TestApp;
  beforeAll(async () => {
    // A closed port: the producer connection cannot queue the inspection.
    down = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:9/0' });
  });
  afterAll(() => down.close());

  it('answers 503 and leaves neither a row nor a file, so the client can simply retry', async () => {
    const who = await down.createUser('operator', 'carol@example.test');
    const res = await down.http.post('/api/uploads').set(as(who)).attach('file', book);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(await Upload.query()).toEqual([]);
    expect(storedFiles(down.config.storage.uploadDir)).toEqual([]);
    const partial = path.join(down.config.storage.uploadDir, '.partial');
    expect(fs.existsSync(partial) ? fs.readdirSync(partial) : []).toEqual([]);
  });
});
