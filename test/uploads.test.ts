import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { JobName, QueueName } from '../lib/domain/queue-names';
import { Release } from '../db/models';
import { startTestApp, TestApp } from './support/test-app';

/** Upload limits and the release API's edges; no worker runs here, so jobs stay queued. */
let app: TestApp;
let operator: { token: string };
let admin: { token: string };
const LIMIT = 64 * 1024;

beforeAll(async () => {
  app = await startTestApp({ MAX_UPLOAD_SIZE: String(LIMIT) });
  operator = await app.createUser('operator');
  admin = await app.createUser('admin');
  fs.mkdirSync(path.join(app.config.storage.uploadDir, '.partial'), { recursive: true });
});
afterAll(() => app.close());

const bearer = (t: { token: string }) => ({ Authorization: `Bearer ${t.token}` });
const partials = () => fs.readdirSync(path.join(app.config.storage.uploadDir, '.partial'));
const stored = () => fs.readdirSync(app.config.storage.uploadDir).filter((f) => !f.startsWith('.'));

describe('POST /api/uploads', () => {
  it('refuses a file over MAX_UPLOAD_SIZE with 413 and keeps no partial file', async () => {
    const big = path.join(app.dataDir, 'big.epub');
    fs.writeFileSync(big, Buffer.alloc(LIMIT + 1, 1));
    const before = stored();
    const res = await app.http.post('/api/uploads').set(bearer(operator)).attach('file', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(partials()).toEqual([]);
    expect(stored()).toEqual(before);
  });

  it('refuses a declared oversize body before reading it', async () => {
    const res = await app.http
      .post('/api/uploads')
      .set(bearer(operator))
      .set('Content-Type', 'multipart/form-data; boundary=x')
      .set('Content-Length', String(10 * 1024 * 1024))
      .send('--x\r\n');
    expect(res.status).toBe(413);
  });

  it('accepts a file of exactly the limit', async () => {
    const exact = path.join(app.dataDir, 'exact.pdf');
    fs.writeFileSync(exact, Buffer.alloc(LIMIT, 2));
    const res = await app.http.post('/api/uploads').set(bearer(operator)).attach('file', exact);
    expect(res.status).toBe(202);
    expect(res.body.upload.size).toBe(LIMIT);
    // The operator's trail: which upload, whose, how big.
    expect(app.logged('upload stored')).toContainEqual(expect.objectContaining({ uploadId: res.body.upload.id, userId: res.body.upload.userId, size: LIMIT }));
  });

  it('answers bad requests with 4xx: not multipart, no file field, broken multipart, no auth', async () => {
    const json = await app.http.post('/api/uploads').set(bearer(operator)).send({ file: 'x' });
    expect(json.status).toBe(415);
    const noFile = await app.http.post('/api/uploads').set(bearer(operator)).field('other', 'value');
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.message).toMatch(/field named "file"/);
    const broken = await app.http.post('/api/uploads').set(bearer(operator)).set('Content-Type', 'multipart/form-data').send('garbage');
    expect(broken.status).toBe(400);
    expect((await app.http.post('/api/uploads').attach('file', Buffer.from('x'), 'a.epub')).status).toBe(401);
    const before = stored();
    const two = await app.http.post('/api/uploads').set(bearer(operator)).attach('file', Buffer.from('%PDF-1.4 one'), 'one.pdf').attach('file', Buffer.from('%PDF-1.4 two'), 'two.pdf');
    expect(two.status).toBe(400);
    expect(two.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'Send one file per upload: this request holds more than one' });
    expect(stored()).toEqual(before);
    expect(partials()).toEqual([]);
  });

  it('answers a repeat with the stored upload, and puts its file back when the stored file is gone', async () => {
    const bytes = Buffer.from('%PDF-1.4 a book whose stored file goes missing');
    const first = await app.http.post('/api/uploads').set(bearer(operator)).attach('file', bytes, 'lost.pdf');
    expect(first.status).toBe(202);
    const file = path.join(app.config.storage.uploadDir, first.body.upload.id);
    const repeat = await app.http.post('/api/uploads').set(bearer(operator)).attach('file', bytes, 'again.pdf');
    expect(repeat.body.upload.id).toBe(first.body.upload.id);
    expect(fs.readFileSync(file)).toEqual(bytes);

    // The uploads folder was lost (or left out of a restore): the same bytes again make the upload whole.
    fs.rmSync(file);
    const before = stored().length;
    const restored = await app.http.post('/api/uploads').set(bearer(operator)).attach('file', bytes, 'again.pdf');
    expect(restored.status).toBe(200);
    expect(restored.body.upload.id).toBe(first.body.upload.id);
    expect(fs.readFileSync(file)).toEqual(bytes);
    expect(stored().length).toBe(before + 1);
    expect(partials()).toEqual([]);
    expect(app.logged('upload restored: its stored file was missing, and the same bytes came again')).toEqual([expect.objectContaining({ uploadId: first.body.upload.id })]);
  });

  it('never uses the client file name as a path', async () => {
    const res = await app.http.post('/api/uploads').set(bearer(operator)).attach('file', Buffer.from('%PDF-1.4 evil'), '../../etc/passwd');
    expect(res.status).toBe(202);
    expect(res.body.upload.originalName).toBe('passwd');
    expect(stored()).toContain(res.body.upload.id);
  });
});

describe('releases API', () => {
  let uploadId: string;
  beforeAll(async () => {
    const book = path.join(app.dataDir, 'small.epub');
    await writeEpub(book);
    uploadId = (await app.http.post('/api/uploads').set(bearer(operator)).attach('file', book)).body.upload.id;
  });

  it('validates options: group tag, source, volume size, type, unknown fields', async () => {
    const bad = await app.http
      .post('/api/releases')
      .set(bearer(operator))
      .send({ uploadId, options: { group: 'bad group!', source: 'STOLEN', volumeSizeMb: -7, type: 'VIDEO', colour: 'red' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/options\.group/);
    const fields = bad.body.error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['options.group', 'options.source', 'options.volumeSizeMb', 'options.type', 'options']));
    expect((await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId: 'nope', options: { group: 'ESP' } })).status).toBe(400);
    // Well-formed, but a size the rule does not allow.
    const size = await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId, options: { group: 'ESP', volumeSizeMb: 7 } });
    expect(size.status).toBe(422);
    expect(size.body.error).toMatchObject({ code: 'VOLUME_SIZE_NOT_ALLOWED', message: 'The rule allows volumes of 5, 10, 50, 100, 150, 200, 250 MB, not 7' });
  });

  it('refuses terminal control characters in the texts the NFO prints, naming each field', async () => {
    const before = await Release.query().resultSize();
    const res = await app.http
      .post('/api/releases')
      .set(bearer(operator))
      .send({ uploadId, options: { group: 'ESP', proofUrl: 'https://x.example/p\u001b]0;pwned\u0007\u001b[2J', overrides: { title: 'Clear\u001b[2J', description: 'ok\u0000', authors: ['Ann\u0007Smith'] } } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['options.overrides.authors.0', 'options.overrides.description', 'options.overrides.title', 'options.proofUrl']);
    expect(await Release.query().resultSize()).toBe(before);
  });

  it('refuses release types it cannot pack yet instead of packing them as eBooks', async () => {
    const before = await Release.query().resultSize();
    for (const type of ['TV', 'docs', 'AUDIOBOOK', 'GAME']) {
      const res = await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId, options: { group: 'ESP', type } });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('TYPE_NOT_SUPPORTED');
      expect(res.body.error.message).toMatch(new RegExp(`^${type.toUpperCase()} releases are not supported yet: `));
    }
    expect(await Release.query().resultSize()).toBe(before);
  });

  it('packs only for an existing group the user belongs to', async () => {
    const unknown = await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId, options: { group: 'NOPE' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_GROUP', message: 'There is no group NOPE; an admin creates it first' });
    await app.createUser('operator', 'other-group@example.test', ['OTHER']);
    const foreign = await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId, options: { group: 'OTHER' } });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toBe('You are not a member of OTHER, so you cannot pack for it');
  });

  it('only an admin may force a rule-breaking name', async () => {
    const res = await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId, options: { group: 'ESP', force: true } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'Forcing a release name that breaks the rules needs the releases:MOD permission' });
  });

  it('creates a queued flow, is idempotent, cancels while queued, and lets an admin see the raw jobs', async () => {
    const created = await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId, options: { group: 'ESP' } });
    expect(created.status).toBe(202);
    const id = created.body.release.id;
    const again = await app.http.post('/api/releases').set(bearer(operator)).send({ uploadId, options: { source: 'RETAIL', group: 'ESP' } });
    expect(again.body.release.id).toBe(id);

    // The flow is enrich <- inspect; the pack job is enqueued only once enrichment lets it go.
    const job = await app.http.get(`/api/jobs/${QueueName.Enrich}/${JobName.Enrich}-${id}`).set(bearer(admin));
    expect(job.status).toBe(200);
    expect(job.body.job).toMatchObject({ name: 'enrich', state: 'waiting-children', data: { releaseId: id } });
    expect((await app.http.get(`/api/jobs/${QueueName.Pack}/${JobName.Pack}-${id}`).set(bearer(admin))).status).toBe(404);
    expect((await app.http.get(`/api/jobs/${QueueName.Enrich}/${JobName.Enrich}-${id}`).set(bearer(operator))).status).toBe(403);
    expect((await app.http.get(`/api/jobs/video/x`).set(bearer(admin))).status).toBe(400);

    // A queued release cannot be deleted, only cancelled.
    expect((await app.http.delete(`/api/releases/${id}`).set(bearer(operator))).body.error).toMatchObject({
      code: 'RELEASE_BUSY',
      message: expect.stringMatching(/^Release is (queued|inspecting|enriching); cancel it or wait until it has finished$/),
    });
    const cancelled = await app.http.post(`/api/releases/${id}/cancel`).set(bearer(operator));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.release.state).toBe('cancelled');
    expect((await app.http.get(`/api/jobs/${QueueName.Enrich}/${JobName.Enrich}-${id}`).set(bearer(admin))).status).toBe(404);
    const twice = await app.http.post(`/api/releases/${id}/cancel`).set(bearer(operator));
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('NOT_CANCELLABLE');

    expect((await app.http.delete(`/api/releases/${id}`).set(bearer(operator))).status).toBe(204);
    expect((await app.http.get(`/api/releases/${id}`).set(bearer(operator))).status).toBe(404);
  });
});
