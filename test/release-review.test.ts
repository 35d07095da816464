import { Release, User } from '../db/models';
import { Actor } from '../api/services/actor';
import { ReleasePreviewService } from '../api/services/release-preview-service';
import { ReleaseReviewService } from '../api/services/release-review-service';
import { ConflictError } from '../lib/errors';
import { jobIds } from '../jobs/job-queue';
import type { EmbeddedMetadata } from '../lib/domain/embedded-metadata';
import { JobName, QueueName } from '../lib/domain/queue-names';
import { UNSUPPORTED_TYPES } from '../lib/domain/release-options';
import { whenReady } from '../lib/redis';
import { startReplayServer, ReplayServer } from './support/replay-server';
import { enrichedOf, INSPECTED_BOOK, insertUpload } from './support/rows';
import { startSwitchableProxy, SwitchableProxy } from './support/switchable-proxy';
import { startTestApp, TestApp } from './support/test-app';
import { TEST_REDIS_URL } from './support/test-env';

/**
 * The review hold, dry runs and follow-ups over HTTP, on releases requested for real and then
 * left as the enrich step leaves them (held in `review`, or published): no worker runs, so what
 * is enqueued stays in Redis, which the app reaches through a proxy one test cuts. Rematches ask a
 * local server replaying recorded catalogue answers.
 * test/release-lifecycle.test.ts checks the same answers through real enrichment and packing.
 */
let app: TestApp;
let replay: ReplayServer;
let redisProxy: SwitchableProxy;
let operator: { user: User; token: string };
let stranger: { user: User; token: string };
let admin: { user: User; token: string };
const PROOF = 'https://books.example.test/left-hand';
const NO_PROOF = 'a RETAiL release needs a proof URL (a store page) in its NFO';
const NO_YEAR = 'the publication year is unknown';
const UNDATED: EmbeddedMetadata = { ...INSPECTED_BOOK, year: undefined, isbn: undefined, identifiers: [] };

beforeAll(async () => {
  replay = await startReplayServer();
  redisProxy = await startSwitchableProxy(Number(new URL(TEST_REDIS_URL).port || 6379));
  app = await startTestApp({
    GOOGLE_BOOKS_BASE_URL: replay.baseUrl('googlebooks'),
    OPENLIBRARY_BASE_URL: replay.baseUrl('openlibrary'),
    REDIS_URL: `redis://127.0.0.1:${redisProxy.port}/0`,
  });
  operator = await app.createUser('operator');
  stranger = await app.createUser('operator');
  admin = await app.createUser('admin');
});
afterAll(async () => {
  await app.close();
  await replay.close();
  await redisProxy.close();
});

const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
const jobState = async (queue: string, jobId: string) => (await app.http.get(`/api/jobs/${queue}/${jobId}`).set(as(admin))).body.job?.state;

/** A release of `book` requested over HTTP, then stored as enrichment leaves it: in review for `reasons`, or in `state`. */
async function releaseOf(book: EmbeddedMetadata, options: Record<string, unknown> = {}, fields: { state?: string; name?: string; reasons?: string[] } = {}): Promise<Release> {
  const upload = await insertUpload(operator.user.id, { metadata: book, size: 2_000_000 });
  const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: upload.id, options: { group: 'ESP', ...options } });
  expect(requested.status).toBe(202);
  const state = fields.state ?? 'review';
  return Release.query().patchAndFetchById(requested.body.release.id, {
    state: state as never,
    step: state === 'review' ? 'review' : null,
    name: fields.name ?? null,
    metadata: enrichedOf(book),
    reviewReasons: state === 'review' ? (fields.reasons ?? [NO_YEAR, NO_PROOF]) : null,
  });
}
const held = (book = UNDATED, options: Record<string, unknown> = {}) => releaseOf(book, options);
const edit = (id: string, body: object, who = operator) => app.http.patch(`/api/releases/${id}`).set(as(who)).send(body);
const post = (id: string, action: string, body: object = {}, who = operator) => app.http.post(`/api/releases/${id}/${action}`).set(as(who)).send(body);

describe('editing a release in review', () => {
  it('turns book facts into overrides that win, replaces the other options, and stores the new preview and its reasons', async () => {
    const release = await held();
    const res = await edit(release.id, { year: 1969, proofUrl: PROOF, edition: 'Anniversary', publisher: 'Ace' });
    expect(res.status).toBe(200);
    expect(res.body.preview).toMatchObject({ name: 'Ursula.K.Le.Guin.The.Left.Hand.of.Darkness.Anniversary.1969.RETAiL.ePub.eBook-ESP', reviewReasons: [] });
    expect(res.body.preview.metadata.fields.year).toEqual({ value: 1969, source: 'override', confidence: 1 });
    expect(res.body.preview.metadata.fields.publisher).toMatchObject({ value: 'Ace', source: 'override' });
    expect(res.body.release).toMatchObject({ state: 'review', reviewReasons: [] });
    const stored = (await Release.query().findById(release.id))!;
    expect(stored.options).toMatchObject({ proofUrl: PROOF, overrides: { year: 1969, edition: 'Anniversary', publisher: 'Ace' } });
    expect(stored.options.overrides).not.toHaveProperty('proofUrl');
    expect((stored.metadata as { record: { year: number } }).record.year).toBe(1969);
    expect(app.logged('release edited in review')).toContainEqual(
      expect.objectContaining({ releaseId: release.id, userId: operator.user.id, fields: ['publisher', 'edition', 'year', 'proofUrl'] }),
    );

    // A later edit keeps the earlier overrides; taking the proof back brings its reason back.
    const again = await edit(release.id, { proofUrl: null, source: 'hybrid', extraTags: ['iLLUSTRATED'], volumeSizeMb: 10 });
    expect(again.status).toBe(200);
    expect(again.body.preview.name).toBe('Ursula.K.Le.Guin.The.Left.Hand.of.Darkness.Anniversary.1969.HYBRiD.iLLUSTRATED.ePub.eBook-ESP');
    const options = (await Release.query().findById(release.id))!.options;
    expect(options).toMatchObject({ source: 'HYBRID', extraTags: ['iLLUSTRATED'], volumeSizeMb: 10, overrides: { year: 1969, edition: 'Anniversary' } });
    expect(options).not.toHaveProperty('proofUrl');
    const retail = await edit(release.id, { source: 'RETAIL' });
    expect(retail.body.release.reviewReasons).toEqual([NO_PROOF]);
    // An edit that names neither keeps the source and the tags.
    const kept = await edit(release.id, { title: 'The Left Hand of Darkness' });
    expect(kept.body.preview.name).toBe('Ursula.K.Le.Guin.The.Left.Hand.of.Darkness.Anniversary.1969.RETAiL.iLLUSTRATED.ePub.eBook-ESP');
  });

  it('checks a new volume size against the release rule and a new template against the templates, changing nothing when refused', async () => {
    const release = await held();
    const size = await edit(release.id, { volumeSizeMb: 7 });
    expect(size.status).toBe(422);
    expect(size.body.error).toMatchObject({ code: 'VOLUME_SIZE_NOT_ALLOWED', message: 'The rule allows volumes of 5, 10, 50, 100, 150, 200, 250 MB, not 7' });
    const missing = await edit(release.id, { templateId: 999_999 });
    expect(missing.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field: 'templateId', missing: [999_999] } });
    expect((await Release.query().findById(release.id))!).toMatchObject({ options: release.options, nfoTemplateId: null, reviewReasons: [NO_YEAR, NO_PROOF] });

    const template = (await app.http.post('/api/templates').set(as(admin)).send({ name: 'review-house', body: ' {{title}} | {{disks}}' })).body.template;
    const templated = await edit(release.id, { templateId: template.id, volumeSizeMb: 5 });
    expect(templated.body.preview.nfo.text).toBe(' The Left Hand of Darkness | 1 x 5MB\r\n');
    expect((await Release.query().findById(release.id))!.nfoTemplateId).toBe(template.id);
    // Not named, the template stays, in the preview too; null gives it back to the group.
    const kept = await edit(release.id, { year: 1969 });
    expect(kept.body.preview.nfo.text).toBe(' The Left Hand of Darkness | 1 x 5MB\r\n');
    expect((await Release.query().findById(release.id))!.nfoTemplateId).toBe(template.id);
    const untemplated = await edit(release.id, { templateId: null });
    expect(untemplated.body.preview.nfo.text).not.toBe(templated.body.preview.nfo.text);
    expect((await Release.query().findById(release.id))!.nfoTemplateId).toBeNull();
  });

  it("refuses an edit of a release that is not in review, that has no inspected upload, or that is someone else's", async () => {
    const done = await releaseOf(INSPECTED_BOOK, {}, { state: 'done', name: 'Left.Hand-ESP' });
    const late = await edit(done.id, { year: 1970 });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'NOT_IN_REVIEW', message: 'Release is done; only a release in review can be edited, rematched or approved' });
    for (const action of ['approve', 'rematch']) expect((await post(done.id, action, { isbn: '9780441478125' })).body.error.code).toBe('NOT_IN_REVIEW');

    const release = await held();
    expect((await edit(release.id, { year: 1970 }, stranger)).status).toBe(404);
    expect((await edit(release.id, { year: 1970 }, admin)).status).toBe(200);

    const orphan = await held();
    await Release.knex()('uploads').where({ id: orphan.uploadId }).update({ metadata: null });
    const res = await edit(orphan.id, { year: 1970 });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'NOT_ENRICHED', message: 'The upload of this release has no inspected metadata' });
  });
});

describe('an edit racing an approval', () => {
  it('is refused when the release leaves review while the edit is worked out, and changes nothing', async () => {
    const release = await held(UNDATED, { proofUrl: PROOF });
    const { config, redis, services, queue, logger } = app.context;
    // The real preview, with an approval landing right after it, before the edit is written.
    class ApprovedMeanwhile extends ReleasePreviewService {
      override async previewStored(...args: Parameters<ReleasePreviewService['previewStored']>) {
        const preview = await super.previewStored(...args);
        await Release.query().patch({ state: 'queued', step: 'pack', reviewReasons: null }).where({ id: release.id });
        return preview;
      }
    }
    const reviews = new ReleaseReviewService(services.releases, new ApprovedMeanwhile(config, redis, services.settings, services.releases, services.uploads), queue, logger);
    const before = await Release.query().findById(release.id);
    const refused = await reviews.edit(await Actor.of(operator.user), release.id, { year: 1972 }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ code: 'NOT_IN_REVIEW', message: 'The release left review meanwhile (approved or cancelled); the edit was not saved' });
    const after = await Release.query().findById(release.id);
    expect(after).toMatchObject({ state: 'queued', options: before!.options, metadata: before!.metadata });
  });
});

describe('approving', () => {
  it('refuses while a reason only an edit lifts remains, naming each, then enqueues the pack step once', async () => {
    const untitled = await held({ ...UNDATED, title: undefined });
    const both = await post(untitled.id, 'approve');
    expect(both.body.error.message).toBe(`The release cannot be packed yet: no title is known for this book; ${NO_PROOF}`);
    expect(both.body.error.details.reasons.map((r: { code: string }) => r.code)).toEqual(['MISSING_TITLE', 'RETAIL_PROOF_MISSING']);

    const release = await held();
    const bystander = await held();
    const blocked = await post(release.id, 'approve');
    expect(blocked.status).toBe(409);
    expect(blocked.body.error).toMatchObject({
      code: 'REVIEW_BLOCKED',
      message: `The release cannot be packed yet: ${NO_PROOF}`,
      details: { reasons: [{ code: 'RETAIL_PROOF_MISSING', message: NO_PROOF, blocking: true }] },
    });
    expect(await jobState(QueueName.Pack, jobIds.releaseStep(JobName.Pack, release.id))).toBeUndefined();

    await edit(release.id, { proofUrl: PROOF });
    expect((await post(release.id, 'approve', {}, stranger)).status).toBe(404);
    // The year is still unknown: that waits for an approval, not for an edit.
    const approved = await post(release.id, 'approve', {}, admin);
    expect(approved.status).toBe(202);
    expect(approved.body.release).toMatchObject({ id: release.id, state: 'queued', step: 'pack', reviewReasons: null, approvedBy: admin.user.id, approvedAt: expect.any(String) });
    expect(await jobState(QueueName.Pack, jobIds.releaseStep(JobName.Pack, release.id))).toBe('waiting');
    expect(app.logged('release approved')).toContainEqual(expect.objectContaining({ releaseId: release.id, userId: admin.user.id, ownerId: operator.user.id }));
    expect(await Release.query().findById(bystander.id)).toMatchObject({ state: 'review', approvedBy: null });
    const twice = await post(release.id, 'approve');
    expect(twice.body.error).toMatchObject({ code: 'NOT_IN_REVIEW', message: 'Release is queued; only a release in review can be edited, rematched or approved' });
  });

  it('never packs a book nameless: with neither author nor publisher the name rule is broken until the facts give one', async () => {
    const nameless: EmbeddedMetadata = { ...INSPECTED_BOOK, authors: [], publisher: undefined, isbn: undefined, identifiers: [] };
    const release = await releaseOf(nameless, { proofUrl: PROOF });
    const preview = (await app.http.get(`/api/releases/${release.id}/preview`).set(as(operator))).body.preview;
    expect(preview.name).toBe('The.Left.Hand.of.Darkness.1969.RETAiL.ePub.eBook-ESP');
    expect(preview.reviewReasons).toEqual([
      { code: 'MISSING_AUTHOR', message: 'neither an author nor a publisher is known', blocking: false },
      { code: 'RULE_BROKEN', message: 'dirname-rules: the name opens with no author or publisher ([Author|Publisher].Title...)', blocking: true },
    ]);
    const blocked = await post(release.id, 'approve', {}, admin);
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('REVIEW_BLOCKED');
    expect(await jobState(QueueName.Pack, jobIds.releaseStep(JobName.Pack, release.id))).toBeUndefined();

    // A publisher is enough (rule 5.5 names the release after it), and then an approval packs it.
    const edited = await edit(release.id, { publisher: 'Ace Books' });
    expect(edited.status).toBe(200);
    expect(edited.body.preview.name).toBe('Ace.Books.The.Left.Hand.of.Darkness.1969.RETAiL.ePub.eBook-ESP');
    expect(edited.body.preview.reviewReasons).toEqual([]);
  });

  it('undoes an approval whose pack job cannot be queued, so the release waits in review as it was', async () => {
    const release = await releaseOf(UNDATED, { proofUrl: PROOF }, { reasons: [NO_YEAR] });
    const bystander = await releaseOf(INSPECTED_BOOK, { proofUrl: PROOF, extraTags: ['OTHER'] }, { state: 'done', name: 'Bystander-ESP' });
    redisProxy.cut();
    try {
      const refused = await post(release.id, 'approve');
      expect(refused.status).toBe(503);
      expect(refused.body.error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      redisProxy.restore();
      await whenReady(app.context.redis, 5000);
    }
    expect(await Release.query().findById(release.id)).toMatchObject({ state: 'review', step: 'review', approvedBy: null, approvedAt: null, reviewReasons: [NO_YEAR] });
    expect(await Release.query().findById(bystander.id)).toMatchObject({ state: 'done', step: null, reviewReasons: null });
    expect((await post(release.id, 'approve')).status).toBe(202);
  });
});

describe('rematching', () => {
  it('asks every catalogue with the ISBN given, marks the records that match it, and stores nothing', async () => {
    const release = await held();
    const res = await post(release.id, 'rematch', { isbn: '978-0-547-92822-7' });
    expect(res.status).toBe(200);
    expect(res.body.query).toEqual({ isbn: '9780547928227' });
    expect(res.body.candidates).toEqual([{ provider: 'googlebooks', matches: true, record: expect.objectContaining({ title: 'The Hobbit', isbn13: '9780547928227' }) }]);
    expect(res.body.outcomes).toEqual(
      expect.arrayContaining([
        { provider: 'googlebooks', status: 'found' },
        { provider: 'openlibrary', status: 'not_found' },
      ]),
    );
    expect(await Release.query().findById(release.id)).toMatchObject({ metadata: release.metadata, options: release.options });

    const invalid = await post(release.id, 'rematch', { isbn: '9780547928220' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error).toMatchObject({ code: 'INVALID_ISBN', message: '9780547928220 is not a valid ISBN' });
  });

  it('asks by title and author as given, and says which records are about another book', async () => {
    const release = await held();
    const res = await post(release.id, 'rematch', { title: 'The Hobbit', author: 'Someone Else' });
    expect(res.status).toBe(200);
    expect(res.body.query).toEqual({ title: 'The Hobbit', author: 'Someone Else' });
    expect(res.body.outcomes.map((o: { provider: string }) => o.provider).sort()).toEqual(['googlebooks', 'openlibrary']);
    for (const candidate of res.body.candidates) expect(candidate.matches).toBe(false);
    // A provider that could not be asked says why.
    const failed = res.body.outcomes.filter((o: { status: string }) => o.status !== 'found' && o.status !== 'not_found');
    for (const outcome of failed) expect(outcome.reason).toEqual(expect.any(String));
  });
});

describe('dry runs', () => {
  it("previews a stored release from its enrichment, and refuses one not yet enriched or someone else's", async () => {
    const release = await releaseOf(INSPECTED_BOOK, { proofUrl: PROOF }, { state: 'done', name: 'x' });
    const res = await app.http.get(`/api/releases/${release.id}/preview`).set(as(operator));
    expect(res.status).toBe(200);
    expect(res.body.preview).toMatchObject({ name: 'Ursula.K.Le.Guin.The.Left.Hand.of.Darkness.1969.RETAiL.ePub.eBook-ESP', reviewReasons: [] });
    expect((await app.http.get(`/api/releases/${release.id}/preview`).set(as(stranger))).status).toBe(404);

    const queued = await releaseOf(INSPECTED_BOOK, { extraTags: ['QUEUED'] }, { state: 'queued' });
    await Release.query().patch({ metadata: null }).where({ id: queued.id });
    const early = await app.http.get(`/api/releases/${queued.id}/preview`).set(as(operator));
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'NOT_ENRICHED', message: `Release ${queued.id} has not been enriched yet (it is queued)` });
  });

  it("previews a request with the group's settings and the catalogues' answers, writing no release", async () => {
    const upload = await insertUpload(operator.user.id, { metadata: { ...INSPECTED_BOOK, isbn: '9780547928227', title: 'The Hobbit', authors: ['J. R. R. Tolkien'], year: undefined }, size: 2_000_000 });
    const before = await Release.query().resultSize();
    const res = await app.http.post('/api/releases/preview').set(as(operator)).send({ uploadId: upload.id, options: { group: 'ESP', proofUrl: PROOF, volumeSizeMb: 5 } });
    expect(res.status).toBe(200);
    expect(res.body.preview.name).toMatch(/^J\.R\.R\.Tolkien\.The\.Hobbit\.\d{4}\.RETAiL\.ePub\.eBook-ESP$/);
    // The catalogues were asked for the ISBN, and their answers are what the preview shows.
    expect(res.body.preview.metadata.providers).toEqual([
      expect.objectContaining({ provider: 'googlebooks', status: 'found', record: expect.objectContaining({ id: 'hobbit_test_id', isbn13: '9780547928227' }) }),
      expect.objectContaining({ provider: 'openlibrary', status: 'not_found' }),
    ]);
    // Released today, as the day alone.
    const today = new Date().toISOString().slice(0, 10);
    expect(res.body.preview.nfo.text).toMatch(new RegExp(`Release date\\W+${today}(?!T)`));
    expect(res.body.preview.volumes).toMatchObject({ count: 1, sizeMb: 5, files: [{ part: `${res.body.preview.name}.epub`, diz: expect.stringContaining('DISK: [01/01]') }] });
    expect(await Release.query().resultSize()).toBe(before);

    const waiting = await insertUpload(operator.user.id, { status: 'stored' });
    const early = await app.http.post('/api/releases/preview').set(as(operator)).send({ uploadId: waiting.id, options: { group: 'ESP' } });
    expect(early.body.error).toMatchObject({ code: 'UPLOAD_NOT_INSPECTED', message: `Upload ${waiting.id} has not been inspected yet; try again shortly` });
    const rejected = await insertUpload(operator.user.id, { status: 'rejected', error: 'not a book' });
    expect((await app.http.post('/api/releases/preview').set(as(operator)).send({ uploadId: rejected.id, options: { group: 'ESP' } })).body.error).toMatchObject({
      code: 'UPLOAD_REJECTED',
      message: `Upload ${rejected.id} was rejected: not a book`,
    });
    const tv = await app.http.post('/api/releases/preview').set(as(operator)).send({ uploadId: upload.id, options: { group: 'ESP', type: 'TV' } });
    expect(tv.status).toBe(422);
    expect(tv.body.error).toMatchObject({ code: 'TYPE_NOT_SUPPORTED', message: `TV releases are not supported yet: ${UNSUPPORTED_TYPES.TV}` });

    // A book with neither ISBN nor title gives the catalogues nothing to look up: none is asked.
    const bare = await insertUpload(operator.user.id, { metadata: { format: 'pdf', authors: ['Somebody'], identifiers: [] } });
    const asked = replay.requests.length;
    const blind = await app.http.post('/api/releases/preview').set(as(operator)).send({ uploadId: bare.id, options: { group: 'ESP' } });
    expect(blind.status).toBe(200);
    expect(blind.body.preview.metadata.providers).toEqual([]);
    expect(replay.requests.length).toBe(asked);
    expect((await app.http.post('/api/releases/preview').set(as(stranger)).send({ uploadId: upload.id, options: { group: 'ESP' } })).status).toBe(404);
  });
});

describe('follow-ups', () => {
  it('creates a new release of the same upload linked to the published one, with the changes, starting at enrich, once per request', async () => {
    const original = await releaseOf(INSPECTED_BOOK, { proofUrl: PROOF, volumeSizeMb: 10 }, { state: 'done', name: 'Ursula.K.Le.Guin.The.Left.Hand.of.Darkness.1969.RETAiL.ePub.eBook-ESP' });
    const body = { kind: 'DiRFiX', reason: 'the folder name missed the edition', changes: { edition: 'Revised' } };
    const res = await post(original.id, 'follow-ups', body);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      created: true,
      release: {
        state: 'queued',
        uploadId: original.uploadId,
        userId: operator.user.id,
        followsId: original.id,
        followsName: original.name,
        followUpKind: 'DiRFiX',
        followUpReason: body.reason,
        groupId: original.groupId,
        ruleId: original.ruleId,
        options: { ...original.options, overrides: { edition: 'Revised' } },
      },
    });
    expect(await jobState(QueueName.Enrich, jobIds.releaseStep(JobName.Enrich, res.body.release.id))).toBe('waiting');
    expect(app.logged('follow-up requested')).toContainEqual(expect.objectContaining({ releaseId: res.body.release.id, follows: original.id, kind: 'DiRFiX', userId: operator.user.id }));
    // The published release is untouched.
    expect(await Release.query().findById(original.id)).toMatchObject({ state: 'done', name: original.name, options: original.options });

    const again = await post(original.id, 'follow-ups', body);
    expect(again.status).toBe(200);
    expect(app.logged('follow-up requested').filter((e) => e.follows === original.id)).toHaveLength(1);
    expect(again.body).toMatchObject({ created: false, release: { id: res.body.release.id } });
    // Another kind, or other changes, is another follow-up.
    const proper = await post(original.id, 'follow-ups', { ...body, kind: 'PROPER' });
    const other = await post(original.id, 'follow-ups', { ...body, changes: { edition: 'Second' } });
    expect(new Set([res.body.release.id, proper.body.release.id, other.body.release.id]).size).toBe(3);
  });

  it("refuses a follow-up of a release that is not published, of someone else's, and with an edit the rule refuses", async () => {
    const inReview = await releaseOf(INSPECTED_BOOK);
    const early = await post(inReview.id, 'follow-ups', { kind: 'PROPER', reason: 'too early' });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'NOT_PUBLISHED', message: 'Release is review; only a published release can be followed up' });

    // A name is not enough: a release that failed after taking its name was never published.
    const failed = await releaseOf(INSPECTED_BOOK, { extraTags: ['NAMED'] }, { state: 'failed', name: 'Named.Then.Failed-ESP' });
    expect((await post(failed.id, 'follow-ups', { kind: 'PROPER', reason: 'never out' })).body.error).toMatchObject({ code: 'NOT_PUBLISHED', message: 'Release is failed; only a published release can be followed up' });

    const original = await releaseOf(INSPECTED_BOOK, { extraTags: ['FIXED'] }, { state: 'done', name: 'Fixed.Release-ESP' });
    expect((await post(original.id, 'follow-ups', { kind: 'PROPER', reason: 'the book was truncated' }, stranger)).status).toBe(404);
    const before = await Release.query().resultSize();
    const size = await post(original.id, 'follow-ups', { kind: 'REPACK', reason: 'the book was truncated', changes: { volumeSizeMb: 7 } });
    expect(size.body.error).toMatchObject({ code: 'VOLUME_SIZE_NOT_ALLOWED' });
    expect(await Release.query().resultSize()).toBe(before);
  });
});
