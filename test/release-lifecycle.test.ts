import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Release } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { decodeCp437, encodeCp437 } from '../jobs/pack/engine/cp437';
import { as, Caller, PipelineWorld, startPipelineWorld, withInspectionsPaused } from './support/pipeline-world';
import type { TestApp } from './support/test-app';

/**
 * The release lifecycle over HTTP with a real worker process: a preview is what is then packed,
 * a release held in review is edited and approved, rematched against recorded provider answers,
 * followed up by each kind of fix, and requested again after deletion.
 */
let world: PipelineWorld<'operator' | 'admin'>;
let app: TestApp;
let operator: Caller;
let admin: Caller;
const PROOF = 'https://books.example.test/earthsea';

beforeAll(async () => {
  world = await startPipelineWorld({ replay: ['googlebooks', 'openlibrary'], users: { operator: ['operator'], admin: ['admin'] } });
  ({ app, users: { operator, admin } } = world);
}, 90_000);
afterAll(() => world.close());

const uploaded = (file: string) => world.upload(operator, file);

const settled = (id: string, states?: string[]) => world.waitForRelease(operator, id, states);

const releaseDir = (name: string) => path.join(app.config.storage.releasesDir, name);
const unzipEntry = (zip: string, entry: string) => execFileSync('unzip', ['-p', zip, entry]);
const zipEntries = (zip: string) => execFileSync('unzip', ['-Z1', zip]).toString().trim().split('\n');
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('release lifecycle', () => {
  let published: { id: string; name: string };

  it('previews a release without writing anything, and packs exactly the previewed NFO, DIZ and zip names', async () => {
    const book = path.join(app.dataDir, 'earthsea.epub');
    await writeEpub(book, { isbn: '9780547928227', date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt' });
    const body = { uploadId: await uploaded(book), options: { group: 'ESP', volumeSizeMb: 5, proofUrl: PROOF } };
    const before = await app.http.get('/api/releases').set(as(operator));

    const res = await app.http.post('/api/releases/preview').set(as(operator)).send(body);
    expect(res.status).toBe(200);
    const { preview } = res.body;
    expect((await app.http.get('/api/releases').set(as(operator))).body.pagination.total).toBe(before.body.pagination.total);
    expect(fs.existsSync(releaseDir(preview.name))).toBe(false);
    expect(preview.name).toBe('Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP');
    expect(preview.reviewReasons).toEqual([]);
    expect(preview.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
    expect(preview.metadata.fields.title).toEqual({ value: 'A Wizard of Earthsea', source: 'embedded', confidence: preview.metadata.confidence });
    expect(preview.metadata.fields.isbn.source).toBe('embedded');
    expect(preview.metadata.providers).toContainEqual(expect.objectContaining({ provider: 'googlebooks', status: 'found' }));
    expect(preview.nfo.text).toContain(`Proof..........: ${PROOF}`);

    const requested = await app.http.post('/api/releases').set(as(operator)).send(body);
    expect(requested.status).toBe(202);
    const release = await settled(requested.body.release.id);
    expect(release).toMatchObject({ state: 'done', name: preview.name });
    const dir = releaseDir(release.name);
    expect(fs.readdirSync(dir).sort()).toEqual([...preview.volumes.files.map((f: { zip: string }) => f.zip), preview.nfo.fileName, 'file_id.diz'].sort());
    expect(fs.readFileSync(path.join(dir, preview.nfo.fileName))).toEqual(encodeCp437(preview.nfo.text));
    expect(fs.readFileSync(path.join(dir, 'file_id.diz'))).toEqual(encodeCp437(preview.volumes.files[0].diz));
    for (const [i, file] of preview.volumes.files.entries()) {
      const zip = path.join(dir, file.zip);
      expect(unzipEntry(zip, 'FILE_ID.DIZ')).toEqual(encodeCp437(preview.volumes.files[i].diz));
      expect(zipEntries(zip)).toContain(file.part);
    }
    expect(unzipEntry(path.join(dir, preview.volumes.files[0].zip), preview.nfo.fileName)).toEqual(encodeCp437(preview.nfo.text));
    published = release;
  });

  let held: { id: string };

  it('holds a RETAiL release without proof and year in review; approval is refused until an edit, then packs it', async () => {
    const book = path.join(app.dataDir, 'undated.epub');
    await writeEpub(book, { title: 'The Farthest Shore' });
    const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: await uploaded(book), options: { group: 'ESP' } });
    const release = await settled(requested.body.release.id);
    expect(release.state).toBe('review');
    expect(release.reviewReasons).toEqual(['the publication year is unknown', 'a RETAiL release needs a proof URL (a store page) in its NFO']);
    expect(fs.readdirSync(app.config.storage.releasesDir).filter((f) => f.includes('Farthest'))).toEqual([]);
    held = release;

    const refused = await app.http.post(`/api/releases/${release.id}/approve`).set(as(operator));
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('REVIEW_BLOCKED');

    const bad = await app.http.patch(`/api/releases/${release.id}`).set(as(operator)).send({ volumeSizeMb: 7 });
    expect(bad.status).toBe(422);
    const edited = await app.http.patch(`/api/releases/${release.id}`).set(as(operator)).send({ year: 1972, proofUrl: PROOF, edition: 'Anniversary' });
    expect(edited.status).toBe(200);
    expect(edited.body.preview.name).toBe('Ursula.K.Le.Guin.The.Farthest.Shore.Anniversary.1972.RETAiL.ePub.eBook-ESP');
    expect(edited.body.preview.reviewReasons).toEqual([]);
    expect(edited.body.preview.metadata.fields.year).toEqual({ value: 1972, source: 'override', confidence: 1 });
    expect(edited.body.release.state).toBe('review');
  });

  it('edits a release in review again and again: earlier corrections kept, each field checked, the proof taken back, and packs the last preview', async () => {
    const book = path.join(app.dataDir, 'tehanu.epub');
    await writeEpub(book, { title: 'Tehanu', date: '1990-02-01' });
    const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: await uploaded(book), options: { group: 'ESP', volumeSizeMb: 5 } });
    const release = await settled(requested.body.release.id);
    const NO_PROOF = 'a RETAiL release needs a proof URL (a store page) in its NFO';
    expect(release).toMatchObject({ state: 'review', reviewReasons: [NO_PROOF] });
    const edit = (body: object) => app.http.patch(`/api/releases/${release.id}`).set(as(operator)).send(body);
    const stored = async () => (await Release.query().findById(release.id))!;

    const proven = await edit({ edition: 'Illustrated', proofUrl: PROOF });
    expect(proven.body.preview).toMatchObject({ name: 'Ursula.K.Le.Guin.Tehanu.Illustrated.1990.RETAiL.ePub.eBook-ESP', reviewReasons: [] });
    expect(proven.body.release.reviewReasons).toEqual([]);

    // The next edit keeps the edition; taking the proof back brings its review reason back.
    const unproven = await edit({ proofUrl: null, publisher: 'Atheneum' });
    expect(unproven.status).toBe(200);
    expect(unproven.body.preview.name).toBe('Ursula.K.Le.Guin.Tehanu.Illustrated.1990.RETAiL.ePub.eBook-ESP');
    expect(unproven.body.release.reviewReasons).toEqual([NO_PROOF]);
    const { options } = await stored();
    expect(options).toMatchObject({ volumeSizeMb: 5, overrides: { edition: 'Illustrated', publisher: 'Atheneum' } });
    expect(options).not.toHaveProperty('proofUrl');

    const missingTemplate = await edit({ templateId: 999_999 });
    expect(missingTemplate.status).toBe(422);
    expect(missingTemplate.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field: 'templateId', missing: [999_999] } });
    const template = (await app.http.post('/api/templates').set(as(admin)).send({ name: 'edit-house', body: ' {{title}} | {{authors}} | {{disks}}' })).body.template;
    const TEMPLATED_NFO = ' Tehanu | Ursula K. Le Guin | 1 x 10MB\r\n';
    const templated = await edit({ templateId: template.id, volumeSizeMb: 10, source: 'hybrid', extraTags: ['iLLUSTRATED'] });
    expect(templated.status).toBe(200);
    expect(templated.body.preview.nfo.text).toBe(TEMPLATED_NFO);
    expect(templated.body.preview.name).toBe('Ursula.K.Le.Guin.Tehanu.Illustrated.1990.HYBRiD.iLLUSTRATED.ePub.eBook-ESP');
    // A HYBRiD needs no store page.
    expect(templated.body.release.reviewReasons).toEqual([]);
    expect(await stored()).toMatchObject({ nfoTemplateId: template.id, options: { source: 'HYBRID', extraTags: ['iLLUSTRATED'], volumeSizeMb: 10 } });

    // null gives the template back to the group (here the built-in layout).
    const untemplated = await edit({ templateId: null });
    expect((await stored()).nfoTemplateId).toBeNull();
    expect(untemplated.body.preview.nfo.text).not.toBe(templated.body.preview.nfo.text);
    expect(app.logged('release edited in review').filter((e) => e.releaseId === release.id).map((e) => e.fields)).toEqual([
      ['edition', 'proofUrl'], ['publisher', 'proofUrl'], ['source', 'extraTags', 'volumeSizeMb', 'templateId'], ['templateId'],
    ]);

    const final = await edit({ templateId: template.id });
    expect((await app.http.post(`/api/releases/${release.id}/approve`).set(as(operator))).status).toBe(202);
    const done = await settled(release.id, ['done', 'failed']);
    expect(done).toMatchObject({ state: 'done', name: final.body.preview.name });
    const nfoName = fs.readdirSync(releaseDir(done.name)).find((f) => f.endsWith('.nfo'))!;
    expect(fs.readFileSync(path.join(releaseDir(done.name), nfoName))).toEqual(encodeCp437(TEMPLATED_NFO));
    // Published, it can no longer be edited.
    const late = await edit({ year: 1991 });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'NOT_IN_REVIEW', message: 'Release is done; only a release in review can be edited, rematched or approved' });
  });

  it('answers rematch with candidates from the recorded provider answers', async () => {
    const res = await app.http.post(`/api/releases/${held.id}/rematch`).set(as(operator)).send({ isbn: '978-0-547-92822-7' });
    expect(res.status).toBe(200);
    expect(res.body.query).toEqual({ isbn: '9780547928227' });
    expect(res.body.candidates).toEqual([expect.objectContaining({ provider: 'googlebooks', matches: true, record: expect.objectContaining({ title: 'The Hobbit', isbn13: '9780547928227' }) })]);
    expect(res.body.outcomes).toContainEqual({ provider: 'openlibrary', status: 'not_found' });
    const invalid = await app.http.post(`/api/releases/${held.id}/rematch`).set(as(operator)).send({ isbn: '9780547928220' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error).toMatchObject({ code: 'INVALID_ISBN', message: '9780547928220 is not a valid ISBN' });
    // By title and author: asked as given, of every catalogue.
    const byTitle = await app.http.post(`/api/releases/${held.id}/rematch`).set(as(operator)).send({ title: 'The Farthest Shore', author: 'Ursula K. Le Guin' });
    expect(byTitle.status).toBe(200);
    expect(byTitle.body.query).toEqual({ title: 'The Farthest Shore', author: 'Ursula K. Le Guin' });
    expect(byTitle.body.outcomes.map((o: { provider: string }) => o.provider).sort()).toEqual(['googlebooks', 'openlibrary']);
  });

  it('previews nothing it cannot know yet: an upload still waiting for its inspection, a release not yet enriched', async () => {
    const releaseId = await withInspectionsPaused(app, async () => {
      const book = path.join(app.dataDir, 'waiting.epub');
      await writeEpub(book, { title: 'The Other Wind', date: '2001-09-01' });
      const uploadId = (await app.http.post('/api/uploads').set(as(operator)).attach('file', book)).body.upload.id;
      const body = { uploadId, options: { group: 'ESP', proofUrl: PROOF } };
      const early = await app.http.post('/api/releases/preview').set(as(operator)).send(body);
      expect(early.status).toBe(409);
      expect(early.body.error).toMatchObject({ code: 'UPLOAD_NOT_INSPECTED', message: `Upload ${uploadId} has not been inspected yet; try again shortly` });

      const releaseId: string = (await app.http.post('/api/releases').set(as(operator)).send(body)).body.release.id;
      const unenriched = await app.http.get(`/api/releases/${releaseId}/preview`).set(as(operator));
      expect(unenriched.status).toBe(409);
      expect(unenriched.body.error).toMatchObject({ code: 'NOT_ENRICHED', message: `Release ${releaseId} has not been enriched yet (it is queued)` });
      return releaseId;
    });
    const done = await settled(releaseId);
    expect(done.state).toBe('done');
    const preview = await app.http.get(`/api/releases/${releaseId}/preview`).set(as(operator));
    expect(preview.status).toBe(200);
    expect(preview.body.preview.name).toBe(done.name);
  });

  it("lets only its owner or releases:MOD approve, and the approved release is packed", async () => {
    const stranger = await app.createUser('operator');
    expect((await app.http.post(`/api/releases/${held.id}/approve`).set(as(stranger))).status).toBe(404);
    const approved = await app.http.post(`/api/releases/${held.id}/approve`).set(as(admin));
    expect(approved.status).toBe(202);
    const done = await settled(held.id, ['done', 'failed']);
    expect(done).toMatchObject({ state: 'done', name: 'Ursula.K.Le.Guin.The.Farthest.Shore.Anniversary.1972.RETAiL.ePub.eBook-ESP', reviewReasons: null });
    expect((await app.http.post(`/api/releases/${held.id}/approve`).set(as(admin))).body.error.code).toBe('NOT_IN_REVIEW');
  });

  it.each([
    ['PROPER', 'the first release carried a truncated book', true],
    ['REPACK', 'a zip of the first release was packed wrong', true],
    ['READNFO', 'read the NFO for the changed series order', true],
    ['NFOFiX', 'the NFO named the wrong publisher', false],
    ['DiRFiX', 'the folder name missed the edition', false],
  ])('publishes a %s as a new release linked to the one it fixes, stating it in the NFO', async (kind, reason, withBook) => {
    const originalFiles = fs.readdirSync(releaseDir(published.name)).map((f) => [f, sha(path.join(releaseDir(published.name), f))]);
    const changes = kind === 'DiRFiX' ? { edition: 'Revised' } : {};
    const res = await app.http.post(`/api/releases/${published.id}/follow-ups`).set(as(operator)).send({ kind, reason, changes });
    expect(res.status).toBe(202);
    const release = await settled(res.body.release.id);
    expect(release).toMatchObject({ state: 'done', followsId: published.id, followUpKind: kind });
    expect(release.name).toContain(`.RETAiL.${kind}.ePub.eBook-ESP`);
    const dir = releaseDir(release.name);
    const nfoName = fs.readdirSync(dir).find((f) => f.endsWith('.nfo'))!;
    const nfo = decodeCp437(fs.readFileSync(path.join(dir, nfoName)));
    expect(nfo.replace(/[\s│]+/g, ' ')).toContain(`${kind} of ${published.name}. Reason: ${reason}`);
    const zips = fs.readdirSync(dir).filter((f) => f.endsWith('.zip'));
    const entries = zipEntries(path.join(dir, zips[0]));
    if (withBook) expect(entries).toEqual(expect.arrayContaining(['FILE_ID.DIZ', nfoName, expect.stringMatching(/\.epub$/)]));
    else expect({ zips: zips.length, entries }).toEqual({ zips: 1, entries: ['FILE_ID.DIZ', nfoName] });
    // The published release is never rewritten.
    expect(fs.readdirSync(releaseDir(published.name)).map((f) => [f, sha(path.join(releaseDir(published.name), f))])).toEqual(originalFiles);
  });

  it('answers identical follow-up requests sent at once with one release, created once', async () => {
    const body = { kind: 'DiRFiX', reason: 'asked for twice at once', changes: { edition: 'Concurrent' } };
    const answers = await Promise.all([1, 2, 3, 4].map(() => app.http.post(`/api/releases/${published.id}/follow-ups`).set(as(operator)).send(body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.release.id)).size).toBe(1);
    expect(await settled(answers[0].body.release.id)).toMatchObject({ state: 'done', followUpKind: 'DiRFiX' });
    expect(app.logged('follow-up requested').filter((e) => e.releaseId === answers[0].body.release.id)).toEqual([
      expect.objectContaining({ follows: published.id, kind: 'DiRFiX', userId: expect.any(Number) }),
    ]);
  });

  it("follows the group's settings: approval for every release, a confidence threshold, the retail proof check turned off", async () => {
    const me = (await app.http.get('/api/auth/me').set(as(operator))).body.user;
    const group = await app.http.post('/api/groups').set(as(admin)).send({
      tag: 'CHK', name: 'Checked', memberIds: [me.id], approvalRequired: true, confidenceThreshold: 0.95, retailProofRequired: false,
    });
    expect(group.body.group).toMatchObject({ approvalRequired: true, confidenceThreshold: 0.95, retailProofRequired: false });
    const book = path.join(app.dataDir, 'checked.epub');
    await writeEpub(book, { title: 'The Other Wind', date: '2001-09-01' });
    const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: await uploaded(book), options: { group: 'CHK' } });
    const release = await settled(requested.body.release.id);
    expect(release.state).toBe('review');
    expect(release.reviewReasons).toEqual([
      "the metadata confidence 0.5 is below the group's threshold 0.95",
      'the group approves every release before it is packed',
    ]);
    // The requester cannot wave their own release through: someone with releases:MOD approves it.
    const own = await app.http.post(`/api/releases/${release.id}/approve`).set(as(operator));
    expect(own.status).toBe(403);
    expect(own.body.error).toMatchObject({ code: 'APPROVAL_NEEDS_MOD', message: 'The group approves every release: a user with releases:MOD must approve it' });
    expect((await app.http.get(`/api/releases/${release.id}`).set(as(operator))).body.release.state).toBe('review');
    expect((await app.http.post(`/api/releases/${release.id}/approve`).set(as(admin))).status).toBe(202);
    const adminId = (await app.http.get('/api/auth/me').set(as(admin))).body.user.id;
    expect(await settled(release.id, ['done', 'failed'])).toMatchObject({ state: 'done', approvedBy: adminId });
  });

  it('refuses a follow-up of a release that is not published', async () => {
    const book = path.join(app.dataDir, 'pending.epub');
    await writeEpub(book, { title: 'Tehanu' });
    const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: await uploaded(book), options: { group: 'ESP' } });
    await settled(requested.body.release.id);
    const res = await app.http.post(`/api/releases/${requested.body.release.id}/follow-ups`).set(as(operator)).send({ kind: 'PROPER', reason: 'too early' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('NOT_PUBLISHED');
  });

  it('packs a release requested again after its first one was deleted', async () => {
    const book = path.join(app.dataDir, 'again.epub');
    await writeEpub(book, { title: 'The Tombs of Atuan', date: '1971-01-01' });
    const body = { uploadId: await uploaded(book), options: { group: 'ESP', proofUrl: PROOF } };
    const first = await settled((await app.http.post('/api/releases').set(as(operator)).send(body)).body.release.id);
    expect(first.state).toBe('done');
    expect((await app.http.delete(`/api/releases/${first.id}`).set(as(operator))).status).toBe(204);
    expect(fs.existsSync(releaseDir(first.name))).toBe(false);
    const again = await app.http.post('/api/releases').set(as(operator)).send(body);
    expect(again.status).toBe(202);
    expect(again.body.release.id).not.toBe(first.id);
    const second = await settled(again.body.release.id);
    expect(second).toMatchObject({ state: 'done', name: first.name });
    expect(fs.readdirSync(releaseDir(second.name)).length).toBe(3);
  });
});
