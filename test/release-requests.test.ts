import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'bullmq';
import { Release, ReleaseDistribution, ReleaseFile, Upload, User } from '../db/models';
import { jobIds } from '../jobs/job-queue';
import { publishedPaths, trashRoot } from '../jobs/storage-paths';
import { JobName, QueueName } from '../lib/domain/queue-names';
import { createRedis } from '../lib/redis';
import { enrichedOf, INSPECTED_BOOK, insertRelease, insertUpload } from './support/rows';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/worker-process';

/**
 * Release requests over HTTP on upload and release rows put in place (no worker runs, so each
 * flow stays queued in Redis): what a request takes from its group and the configured defaults,
 * the references it refuses, the two dupe checks (the same name, and the dupe order RETAiL >
 * HYBRiD > SCAN), cancel, retry and delete. The pipeline suites (release-dupes, release-retry,
 * release-management) check the same answers after real packing.
 */
let app: TestApp;
let admin: { user: User; token: string };
let operator: { user: User; token: string };
let other: { user: User; token: string };
const LIMITS = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5, 10], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 };

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin', 'admin@example.test', []);
  operator = await app.createUser('operator');
  other = await app.createUser('operator');
});
afterAll(() => app.close());

const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
const ask = (who: { token: string }, uploadId: string, options: Record<string, unknown>) => app.http.post('/api/releases').set(as(who)).send({ uploadId, options });
const adminPost = async (url: string, body: object) => {
  const res = await app.http.post(url).set(as(admin)).send(body);
  expect({ url, status: res.status, body: res.body }).toMatchObject({ url, status: 201 });
  return res.body;
};
let rules = 0;
/** A rule of its own scene each: a section, year and scene have one rule. */
const rule = async (section = 'EBOOK') => (await adminPost('/api/rules', { section, year: 2022, scene: `Test${++rules}`, title: `${section} rules`, body: 'Rules.', limits: LIMITS })).rule.id as number;
const template = async (name: string) => (await adminPost('/api/templates', { name, body: ' {{title}}' })).template.id as number;
const destination = async (name: string, enabled: boolean) =>
  (await adminPost('/api/destinations', { name, protocol: 'sftp', host: '127.0.0.1', username: 'u', secret: 'p', remotePath: '/in', enabled })).destination.id as number;
const group = async (tag: string, fields: object = {}) => (await adminPost('/api/groups', { tag, name: `Group ${tag}`, memberIds: [operator.user.id], ...fields })).group.id as number;
/** Sets a configured default, or with no value takes it back. */
const configure = async (key: string, value?: number) => {
  const res = value === undefined ? await app.http.delete(`/api/configurations/${key}`).set(as(admin)) : await app.http.put(`/api/configurations/${key}`).set(as(admin)).send({ value });
  expect(res.status).toBeLessThan(300);
};
const stored = async (id: string) => (await app.http.get(`/api/releases/${id}`).set(as(admin))).body.release;
const jobState = async (queue: string, jobId: string) => (await app.http.get(`/api/jobs/${queue}/${jobId}`).set(as(admin))).body.job?.state;
const releaseCount = () => Release.query().resultSize();

describe('what a request takes', () => {
  it("takes the group's rule, template, volume size and enabled destinations, then the configured defaults, unless the request names its own", async () => {
    const [groupRule, defaultRule, ownRule] = [await rule(), await rule(), await rule()];
    const [groupTemplate, defaultTemplate] = [await template('group-house'), await template('default-house')];
    const [enabled, disabled] = [await destination('on', true), await destination('off', false)];
    await group('FULL', { ruleId: groupRule, nfoTemplateId: groupTemplate, volumeSizeMb: 10, destinationIds: [enabled, disabled] });
    await group('BARE');

    const fullUpload = await insertUpload(operator.user.id);
    const full = await ask(operator, fullUpload.id, { group: 'FULL' });
    expect(full.status).toBe(202);
    expect(full.body.created).toBe(true);
    expect(full.body.release.releaseDate).toBe(new Date().toISOString().slice(0, 10));
    // The same request again answers the same release, created and logged once.
    const again = await ask(operator, fullUpload.id, { group: 'FULL' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, release: { id: full.body.release.id } });
    expect(app.logged('release requested').filter((e) => e.uploadId === fullUpload.id)).toHaveLength(1);
    expect(await stored(full.body.release.id)).toMatchObject({
      state: 'queued',
      ruleId: groupRule,
      nfoTemplateId: groupTemplate,
      options: expect.objectContaining({ volumeSizeMb: 10 }),
      distributions: [expect.objectContaining({ destinationId: enabled, state: 'queued' })],
    });

    // A bare group: nothing but the built-in rule, until an admin configures defaults.
    const bare = await ask(operator, (await insertUpload(operator.user.id)).id, { group: 'BARE' });
    expect(await stored(bare.body.release.id)).toMatchObject({ ruleId: null, nfoTemplateId: null, distributions: [] });
    expect((await stored(bare.body.release.id)).options).not.toHaveProperty('volumeSizeMb');
    await configure('pack.defaultRuleId', defaultRule);
    await configure('pack.defaultTemplateId', defaultTemplate);
    const defaulted = await ask(operator, (await insertUpload(operator.user.id)).id, { group: 'BARE' });
    expect(await stored(defaulted.body.release.id)).toMatchObject({ ruleId: defaultRule, nfoTemplateId: defaultTemplate });
    // The group's own settings still come before the defaults.
    const grouped = await ask(operator, (await insertUpload(operator.user.id)).id, { group: 'FULL' });
    expect(await stored(grouped.body.release.id)).toMatchObject({ ruleId: groupRule, nfoTemplateId: groupTemplate });

    const own = await ask(operator, (await insertUpload(operator.user.id)).id, { group: 'FULL', ruleId: ownRule, templateId: defaultTemplate, volumeSizeMb: 5, destinationIds: [disabled, disabled] });
    expect(own.status).toBe(202);
    expect(await stored(own.body.release.id)).toMatchObject({
      ruleId: ownRule,
      nfoTemplateId: defaultTemplate,
      options: expect.objectContaining({ volumeSizeMb: 5 }),
      distributions: [expect.objectContaining({ destinationId: disabled })],
    });
    await configure('pack.defaultRuleId');
    await configure('pack.defaultTemplateId');
  });

  it('refuses a rule, template or destination that does not exist, a rule of another section, and a volume size the rule refuses, storing nothing', async () => {
    const tv = await rule('TV');
    const narrow = await rule();
    await group('NARROW', { ruleId: narrow, volumeSizeMb: 50 });
    const upload = await insertUpload(operator.user.id);
    const before = await releaseCount();
    const refusals: [Record<string, unknown>, number, string, string | RegExp][] = [
      [{ group: 'ESP', ruleId: 999_999 }, 422, 'UNKNOWN_REFERENCE', 'Rule 999999 does not exist'],
      [{ group: 'ESP', ruleId: tv }, 422, 'RULE_MISMATCH', `Rule ${tv} is for TV releases, not EBOOK`],
      [{ group: 'ESP', templateId: 999_998 }, 422, 'UNKNOWN_REFERENCE', /^templateId names 999998/],
      [{ group: 'ESP', destinationIds: [999_997] }, 422, 'UNKNOWN_REFERENCE', /^destinationIds names 999997/],
      // The group's size is checked against the group's rule, as a size asked for is.
      [{ group: 'NARROW' }, 422, 'VOLUME_SIZE_NOT_ALLOWED', 'The rule allows volumes of 5, 10 MB, not 50'],
      [{ group: 'NARROW', volumeSizeMb: 100 }, 422, 'VOLUME_SIZE_NOT_ALLOWED', 'The rule allows volumes of 5, 10 MB, not 100'],
    ];
    for (const [options, status, code, message] of refusals) {
      const res = await ask(operator, upload.id, options);
      expect({ options, status: res.status, code: res.body.error?.code }).toEqual({ options, status, code });
      expect(res.body.error.message).toMatch(message);
    }
    expect((await ask(operator, upload.id, { group: 'NARROW', volumeSizeMb: 10 })).status).toBe(202);
    expect(await releaseCount()).toBe(before + 1);
  });

  it("sends a release only to its group's destinations or shared ones, unless the sender may change destinations", async () => {
    const [theirs, shared] = [await destination('their site', true), await destination('shared site', true)];
    // A group the operator is not in, whose site (and credentials) is its own.
    const privateGroup = (await adminPost('/api/groups', { tag: 'PRIVD', name: 'Private', memberIds: [admin.user.id], destinationIds: [theirs] })).group;
    const upload = await insertUpload(operator.user.id);
    const before = await releaseCount();
    const refused = await ask(operator, upload.id, { group: 'ESP', destinationIds: [shared, theirs] });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'DESTINATION_OF_ANOTHER_GROUP', details: { destinationIds: [theirs] } });
    expect(await releaseCount()).toBe(before);
    const sent = await ask(operator, upload.id, { group: 'ESP', destinationIds: [shared] });
    expect(sent.status).toBe(202);

    // Sending a packed release again: the same rule.
    await Release.query().patch({ state: 'done', name: 'Sent.Release-ESP' }).where({ id: sent.body.release.id });
    const again = (who: { token: string }, destinationId: number) => app.http.post(`/api/releases/${sent.body.release.id}/distributions/${destinationId}`).set(as(who));
    expect((await again(operator, theirs)).body.error).toMatchObject({ code: 'DESTINATION_OF_ANOTHER_GROUP' });
    expect((await again(operator, shared)).status).toBe(202);
    expect((await again(admin, theirs)).status).toBe(202);
    expect(privateGroup.tag).toBe('PRIVD');
  });

  it("starts at enrich when the upload's inspection is stored, at inspect when it is not, and refuses a rejected upload", async () => {
    const inspected = await ask(operator, (await insertUpload(operator.user.id, { metadata: INSPECTED_BOOK })).id, { group: 'ESP' });
    const waiting = await ask(operator, (await insertUpload(operator.user.id, { status: 'stored' })).id, { group: 'ESP' });
    expect(await jobState(QueueName.Enrich, jobIds.releaseStep(JobName.Enrich, inspected.body.release.id))).toBe('waiting');
    expect(await jobState(QueueName.Enrich, jobIds.releaseStep(JobName.Enrich, waiting.body.release.id))).toBe('waiting-children');
    // Both are needed: the status says the inspection finished, the metadata is what it found.
    for (const fields of [{ status: 'inspected', metadata: null }, { status: 'inspecting', metadata: INSPECTED_BOOK }] as const) {
      const half = await ask(operator, (await insertUpload(operator.user.id, fields)).id, { group: 'ESP' });
      expect({ fields, state: await jobState(QueueName.Enrich, jobIds.releaseStep(JobName.Enrich, half.body.release.id)) }).toEqual({ fields, state: 'waiting-children' });
    }
    expect(app.logged('release requested')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ releaseId: inspected.body.release.id, inspection: 'stored', userId: operator.user.id }),
        expect.objectContaining({ releaseId: waiting.body.release.id, inspection: 'queued' }),
      ]),
    );

    const rejected = await insertUpload(operator.user.id, { status: 'rejected', error: 'not an eBook: a ZIP of images' });
    const res = await ask(operator, rejected.id, { group: 'ESP' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'UPLOAD_REJECTED', message: `Upload ${rejected.id} was rejected: not an eBook: a ZIP of images` });
  });

  it("answers a request of someone else's upload with 404, unless the caller may moderate", async () => {
    const upload = await insertUpload(other.user.id);
    const foreign = await ask(operator, upload.id, { group: 'ESP' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.message).toBe(`Upload ${upload.id} not found`);
  });
});

describe('uploads', () => {
  it('keeps one upload per user and bytes: the same file again answers the stored one and keeps no second copy', async () => {
    const book = path.join(app.dataDir, 'twice.epub');
    await writeEpub(book, { title: 'Twice Told' });
    const first = await app.http.post('/api/uploads').set(as(operator)).attach('file', book);
    expect(first.status).toBe(202);
    const second = await app.http.post('/api/uploads').set(as(operator)).attach('file', book);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ duplicate: true, upload: { id: first.body.upload.id } });
    expect(fs.readdirSync(app.config.storage.uploadDir).filter((f) => !f.startsWith('.'))).toEqual([first.body.upload.id]);
    expect(fs.readdirSync(path.join(app.config.storage.uploadDir, '.partial'))).toEqual([]);
    expect(app.logged('upload stored').filter((e) => e.uploadId === first.body.upload.id)).toHaveLength(1);
    // Its inspection is queued, once.
    expect(await jobState(QueueName.Upload, jobIds.uploadInspection(first.body.upload.id))).toBe('waiting');
    // Another user's copy of the same bytes is their own upload.
    const theirs = await app.http.post('/api/uploads').set(as(other)).attach('file', book);
    expect(theirs.status).toBe(202);
    expect(theirs.body.upload.id).not.toBe(first.body.upload.id);

    // Found by its hash: one's own, or anyone's with releases:MOD.
    const sha256 = first.body.upload.sha256;
    const byHash = (who: { token: string }) => app.http.get(`/api/uploads/by-sha256/${sha256}`).set(as(who));
    expect((await byHash(operator)).body.upload.id).toBe(first.body.upload.id);
    expect((await byHash(other)).body.upload.id).toBe(theirs.body.upload.id);
    expect([first.body.upload.id, theirs.body.upload.id]).toContain((await byHash(admin)).body.upload.id);
    const stranger = await app.createUser('operator');
    const none = await byHash(stranger);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toBe(`Upload with SHA-256 ${sha256} not found`);
  });

  it("lists one's own uploads newest first, and everyone's with releases:MOD", async () => {
    const lister = await app.createUser('operator');
    const older = await insertUpload(lister.user.id, { createdAt: new Date(Date.now() - 60_000) });
    const newer = await insertUpload(lister.user.id);
    const own = await app.http.get('/api/uploads').set(as(lister));
    expect(own.body.uploads.map((u: { id: string }) => u.id)).toEqual([newer.id, older.id]);
    expect(own.body.pagination).toMatchObject({ total: 2 });
    const all = await app.http.get('/api/uploads?pageSize=100').set(as(admin));
    expect(all.body.pagination.total).toBe(await Upload.query().resultSize());
    expect(all.body.uploads.map((u: { userId: number }) => u.userId)).toEqual(expect.arrayContaining([lister.user.id, operator.user.id]));
  });
});

describe('the release list and one release', () => {
  let lister: { user: User; token: string };
  const names = (res: { body: { releases: { name: string }[] } }) => res.body.releases.map((r) => r.name);
  const list = (query: string) => app.http.get(`/api/releases?${query}`).set(as(lister));

  beforeAll(async () => {
    lister = await app.createUser('operator', 'lister@example.test', ['ESP', 'LST']);
    const upload = await insertUpload(lister.user.id);
    const lst = (await app.http.get('/api/groups?q=LST').set(as(admin))).body.groups[0].id;
    const rows: [string, string, string, number | null, number][] = [
      ['Alpha.a_c-ESP', 'done', 'EBOOK', null, 5],
      ['Beta.abc-ESP', 'done', 'EBOOK', null, 4],
      ['Gamma.100%-LST', 'failed', 'EBOOK', lst, 3],
      ['Delta-LST', 'failed', 'TV', lst, 2],
    ];
    for (const [name, state, type, groupId, daysAgo] of rows) {
      await insertRelease(upload, { name, state: state as never, type, groupId, createdAt: new Date(Date.now() - daysAgo * 86_400_000) });
    }
  });

  it('filters by type, state, group, creation date and a part of the name, wildcards taken as written', async () => {
    expect(names(await list('type=tv'))).toEqual(['Delta-LST']);
    expect(names(await list('state=failed'))).toEqual(['Delta-LST', 'Gamma.100%-LST']);
    expect(names(await list('group=LST'))).toEqual(['Delta-LST', 'Gamma.100%-LST']);
    const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
    expect(names(await list(`from=${day(3.5)}`))).toEqual(['Delta-LST', 'Gamma.100%-LST']);
    expect(names(await list(`to=${day(3.5)}`))).toEqual(['Beta.abc-ESP', 'Alpha.a_c-ESP']);
    expect(names(await list(`from=${day(4.5)}&to=${day(2.5)}`))).toEqual(['Gamma.100%-LST', 'Beta.abc-ESP']);
    expect(names(await list('q=a_c'))).toEqual(['Alpha.a_c-ESP']);
    expect(names(await list('q=100%25'))).toEqual(['Gamma.100%-LST']);
    expect(names(await list('q=%25'))).toEqual(['Gamma.100%-LST']);
    expect(names(await list('q=ta'))).toEqual(['Delta-LST', 'Beta.abc-ESP']);
  });

  it('sorts by the field asked for, either way, newest first by default', async () => {
    expect(names(await list(''))).toEqual(['Delta-LST', 'Gamma.100%-LST', 'Beta.abc-ESP', 'Alpha.a_c-ESP']);
    expect(names(await list('sort=name'))).toEqual(['Alpha.a_c-ESP', 'Beta.abc-ESP', 'Delta-LST', 'Gamma.100%-LST']);
    expect(names(await list('sort=-name'))).toEqual(['Gamma.100%-LST', 'Delta-LST', 'Beta.abc-ESP', 'Alpha.a_c-ESP']);
    expect(names(await list('sort=createdAt'))).toEqual(['Alpha.a_c-ESP', 'Beta.abc-ESP', 'Gamma.100%-LST', 'Delta-LST']);
  });

  it("counts a filtered list's total itself, never taking the whole list's", async () => {
    expect((await list('pageSize=1')).body.pagination.total).toBe(4);
    // Within the whole list's window: a full page of a filter is counted for that filter.
    expect((await list('pageSize=1&state=failed')).body.pagination.total).toBe(2);
    expect((await list('pageSize=1&q=a')).body.pagination.total).toBe(4);
    expect((await list('pageSize=1&type=EBOOK')).body.pagination.total).toBe(3);
  });

  it('gives a release with its files in name order, and names the release it cannot find', async () => {
    const release = await insertRelease(await insertUpload(lister.user.id));
    for (const fileName of ['c.zip', 'a.nfo', 'b.zip']) {
      await ReleaseFile.query().insert({ releaseId: release.id, fileName, kind: fileName.endsWith('.nfo') ? 'nfo' : 'zip', size: 1, crc32: '00000000', sha256: 'a'.repeat(64) });
    }
    const res = await app.http.get(`/api/releases/${release.id}`).set(as(lister));
    expect(res.body.release.files.map((f: { fileName: string }) => f.fileName)).toEqual(['a.nfo', 'b.zip', 'c.zip']);
    const missing = await app.http.get(`/api/releases/${release.id}`).set(as(operator));
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', message: `Release ${release.id} not found` });
  });
});

describe('dupes', () => {
  /**
   * A release of a book as the flow leaves it: requested over HTTP by another user (its own upload,
   * of the same bytes when `sha256` is given), then named and enriched, or left in `state`.
   */
  const published = async (source: string, fields: { sha256?: string; name?: string; state?: string; type?: string; book?: typeof INSPECTED_BOOK } = {}) => {
    const book = fields.book ?? INSPECTED_BOOK;
    const upload = await insertUpload(other.user.id, { metadata: book, ...(fields.sha256 ? { sha256: fields.sha256 } : {}) });
    const asked = await ask(other, upload.id, { group: 'ESP', source });
    expect(asked.status).toBe(202);
    const state = fields.state ?? 'done';
    const name = state === 'done' ? (fields.name ?? `Le.Guin.Ursula.K-The.Left.Hand.Of.Darkness-${source}-${upload.id.slice(0, 8)}`) : null;
    const type = fields.type ?? 'EBOOK';
    return Release.query().patchAndFetchById(asked.body.release.id, {
      name,
      state: state as never,
      type,
      options: { ...asked.body.release.options, type },
      metadata: state === 'queued' ? null : enrichedOf(book),
    });
  };
  const dupeOf = async (options: Record<string, unknown>, book: object = INSPECTED_BOOK, sha256?: string) =>
    ask(operator, (await insertUpload(operator.user.id, { metadata: book as never, ...(sha256 ? { sha256 } : {}) })).id, { group: 'ESP', ...options });

  it('refuses the same book asked for again with the same naming options, from any user, naming the release it would collide with', async () => {
    const first = await published('RETAIL', { name: 'Same.Name-ESP' });
    const sameBytes = await insertUpload(operator.user.id, { sha256: (await first.$relatedQuery('upload')).sha256 });
    const again = (options: Record<string, unknown>) => ask(operator, sameBytes.id, { group: 'ESP', ...options });
    for (const options of [{}, { volumeSizeMb: 10 }, { templateId: await template('another-house') }, { force: false }]) {
      const res = await again({ source: 'RETAIL', ...options });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'DUPE',
        message: "This book was already requested with the same naming options: Same.Name-ESP (another user's release)",
        details: { name: 'Same.Name-ESP' },
      });
      // Another user's release is named by its public name only: its id and state are its owner's.
      expect(res.body.error.details).not.toHaveProperty('releaseId');
    }
    // Its owner asking again is told which of their releases it is.
    const own = await ask(other, first.uploadId, { group: 'ESP', source: 'RETAIL', volumeSizeMb: 10 });
    expect(own.body.error).toMatchObject({ code: 'DUPE', message: `This book was already requested with the same naming options: Same.Name-ESP (release ${first.id})`, details: { releaseId: first.id, name: 'Same.Name-ESP', state: 'done' } });
    // Another name: another tag, another group, another rule.
    expect((await again({ extraTags: ['iLLUSTRATED'] })).status).toBe(202);
    await group('OTHERS');
    expect((await again({ group: 'OTHERS' })).status).toBe(202);
    expect((await again({ ruleId: await rule() })).status).toBe(202);
  });

  it("compares the rule a request resolves to, the group's included", async () => {
    const [first, second] = [await rule(), await rule()];
    const ruled = await group('RULED', { ruleId: first, memberIds: [operator.user.id, other.user.id] });
    const upload = await insertUpload(other.user.id);
    const theirs = await ask(other, upload.id, { group: 'RULED' });
    await Release.query().patch({ state: 'done', name: 'Ruled.Release-RULED' }).where({ id: theirs.body.release.id });
    const mine = await insertUpload(operator.user.id, { sha256: upload.sha256 });
    const same = await ask(operator, mine.id, { group: 'RULED' });
    expect(same.body.error).toMatchObject({ code: 'DUPE', details: { name: 'Ruled.Release-RULED' } });
    // The group's rule changed: the same request now names under another rule.
    expect((await app.http.patch(`/api/groups/${ruled}`).set(as(admin)).send({ ruleId: second })).status).toBe(200);
    expect((await ask(operator, mine.id, { group: 'RULED' })).status).toBe(202);
  });

  it('names a release still on its way by its state to its owner, as not named yet to others, and lets a failed or cancelled one be asked for again', async () => {
    const live = await published('RETAIL', { state: 'enriching' });
    const own = await ask(other, live.uploadId, { group: 'ESP', source: 'RETAIL', volumeSizeMb: 10 });
    expect(own.body.error).toMatchObject({ code: 'DUPE', message: `This book was already requested with the same naming options: release ${live.id}, still enriching` });
    const theirs = await dupeOf({}, {}, (await live.$relatedQuery('upload')).sha256);
    expect(theirs.body.error).toMatchObject({ code: 'DUPE', message: "This book was already requested with the same naming options: another user's release, not named yet", details: { name: null } });
    for (const state of ['failed', 'cancelled']) {
      const gone = await published('RETAIL', { state });
      expect((await dupeOf({}, {}, (await gone.$relatedQuery('upload')).sha256)).status).toBe(202);
    }
  });

  it('refuses a SCAN or HYBRiD of a book with a RETAiL release: by the same bytes, the same ISBN, or the same title, first author and year', async () => {
    const book = { ...INSPECTED_BOOK, title: 'The Dispossessed', isbn: '9780061054884', identifiers: [], year: 1974 };
    const retail = await published('RETAIL', { book, name: 'Le.Guin-The.Dispossessed-RETAIL' });
    const expected = (source: string) => ({
      code: 'DUPE',
      message: `A RETAiL release of this book exists: Le.Guin-The.Dispossessed-RETAIL (another user's release). ${source} after RETAiL is a dupe (RETAiL beats HYBRiD beats SCAN); ask for an iNTERNAL release to pack it anyway`,
      details: { name: 'Le.Guin-The.Dispossessed-RETAIL', source: 'RETAIL' },
    });
    const sameIsbn = { ...book, title: 'A Different Title', isbn: '978-0-06-105488-4' };
    const sameTitle = { format: 'pdf', title: 'the  dispossessed!', authors: ['Le Guin, Ursula K.'], year: 1974, identifiers: [] };
    const accented = { format: 'pdf', title: 'The Dispossëssed', authors: ['Ursula K. Le Guin'], year: 1974, identifiers: [] };
    for (const [what, metadata] of [['isbn', sameIsbn], ['title', sameTitle], ['accents', accented]] as const) {
      for (const source of ['SCAN', 'HYBRID']) {
        const res = await dupeOf({ source }, metadata);
        expect({ what, source, error: res.body.error }).toMatchObject({ what, source, error: expected(source === 'SCAN' ? 'SCAN' : 'HYBRiD') });
      }
    }
    // The same bytes with nothing else known.
    expect((await dupeOf({ source: 'SCAN' }, { format: 'pdf', authors: [], identifiers: [] }, (await retail.$relatedQuery('upload')).sha256)).body.error).toMatchObject(expected('SCAN'));
    // The operator's overrides are what the request names.
    expect((await dupeOf({ source: 'SCAN', overrides: { isbn: '9780061054884' } }, { format: 'pdf', authors: [], identifiers: [] })).body.error).toMatchObject(expected('SCAN'));

    // Not the same book: another year, another first author, no title known, another ISBN.
    for (const metadata of [
      { ...sameTitle, year: 1975 },
      { ...sameTitle, authors: ['Ursula Major'] },
      { format: 'pdf', authors: ['Le Guin, Ursula K.'], year: 1974, identifiers: [] },
      { ...sameIsbn, isbn: '9780000000019' },
    ]) {
      const res = await dupeOf({ source: 'SCAN' }, metadata);
      expect({ metadata, status: res.status }).toEqual({ metadata, status: 202 });
    }
  });

  it('lets an upgrade through (SCAN, then HYBRiD, then RETAiL), and names the best source a worse request is refused for', async () => {
    const book = { ...INSPECTED_BOOK, title: 'Always Coming Home', isbn: '9780520227354', identifiers: [], year: 1985 };
    await published('SCAN', { book });
    // Another SCAN of the same book is not outranked (the same name is checked apart).
    expect((await dupeOf({ source: 'SCAN' }, book)).status).toBe(202);
    const hybrid = await dupeOf({ source: 'HYBRID' }, book);
    expect(hybrid.status).toBe(202);
    const retail = await dupeOf({ source: 'RETAIL' }, book);
    expect(retail.status).toBe(202);
    // Both the HYBRiD and the RETAiL (still queued, so named by its upload's metadata) outrank a SCAN: the RETAiL is named.
    const scan = await dupeOf({ source: 'SCAN' }, book);
    expect(scan.body.error).toMatchObject({ code: 'DUPE', details: { releaseId: retail.body.release.id, state: 'queued', source: 'RETAIL' } });
    expect(scan.body.error.message).toMatch(new RegExp(`^A RETAiL release of this book exists: release ${retail.body.release.id}, still queued\\. SCAN after RETAiL`));
  });

  it('tells books apart by what both sides know: neither ISBN nor title, author and year in common is another book', async () => {
    // Neither side has an ISBN, nor a year (so no title key): only the bytes could make them one book.
    const unknown = { format: 'pdf', title: 'Unknown Tales', authors: ['Anon Writer'], identifiers: [] } as const;
    await published('RETAIL', { book: unknown as never });
    expect((await dupeOf({ source: 'SCAN' }, { ...unknown, title: 'Other Tales' })).status).toBe(202);
    // Title, author and year are three facts, not one run of letters: "Moon" by "Dog" is not "Moo" by "Ndog".
    const moon = { format: 'pdf', title: 'Moon', authors: ['Dog'], year: 1990, identifiers: [] } as const;
    await published('RETAIL', { book: moon as never });
    expect((await dupeOf({ source: 'SCAN' }, { ...moon, title: 'Moo', authors: ['Ndog'] })).status).toBe(202);
    expect((await dupeOf({ source: 'SCAN' }, { ...moon, title: 'MOON', authors: ['dog'] })).body.error.code).toBe('DUPE');
  });

  it('lets an iNTERNAL release through, and counts neither iNTERNAL releases, failed ones nor other types', async () => {
    const book = { ...INSPECTED_BOOK, title: 'Lavinia', isbn: '9780151014248', identifiers: [], year: 2008 };
    await published('RETAIL', { book, state: 'failed' });
    await published('RETAIL', { book, state: 'cancelled' });
    await published('RETAIL', { book, type: 'TV' });
    const internalRetail = await published('RETAIL', { book });
    await Release.query().patch({ options: { ...internalRetail.options, internal: true } }).where({ id: internalRetail.id });
    expect((await dupeOf({ source: 'SCAN' }, book)).status).toBe(202);

    await published('RETAIL', { book });
    expect((await dupeOf({ source: 'HYBRID' }, book)).body.error.code).toBe('DUPE');
    expect((await dupeOf({ source: 'HYBRID', internal: true }, book)).status).toBe(202);
    expect((await dupeOf({ source: 'SCAN', extraTags: ['internal'] }, book)).status).toBe(202);
  });
});

describe('cancel, retry and delete', () => {
  const release = async (fields: Parameters<typeof insertRelease>[1] = {}, owner = operator) => insertRelease(await insertUpload(owner.user.id, { metadata: INSPECTED_BOOK }), fields);
  const post = (who: { token: string }, id: string, action: string) => app.http.post(`/api/releases/${id}/${action}`).set(as(who));

  it('cancels a release held in review, and refuses one that has finished', async () => {
    const held = await release({ state: 'review', name: null });
    const bystander = await release({ state: 'review', name: null });
    const cancelled = await post(operator, held.id, 'cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.release).toMatchObject({ id: held.id, state: 'cancelled', finishedAt: expect.any(String) });
    expect(await Release.query().findById(bystander.id)).toMatchObject({ state: 'review', finishedAt: null });
    for (const state of ['done', 'failed', 'cancelled']) {
      const settled = await release({ state: state as never, name: null });
      const res = await post(operator, settled.id, 'cancel');
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'NOT_CANCELLABLE', message: `Release is ${state}; only a queued release or one in review can be cancelled` });
    }
    expect((await post(other, held.id, 'cancel')).status).toBe(404);
  });

  it('requests a failed release again as a new one that replaces it, and refuses a release that has not failed', async () => {
    const bystander = await release({ state: 'failed', name: null });
    const failed = await release({ state: 'failed', name: null, error: 'disk full' });
    const res = await post(operator, failed.id, 'retry');
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ retryOf: failed.id, release: { state: 'queued', uploadId: failed.uploadId, userId: operator.user.id } });
    expect(res.body.release.id).not.toBe(failed.id);
    expect(await Release.query().findById(failed.id)).toBeUndefined();
    expect(app.logged('release retried')).toContainEqual(expect.objectContaining({ releaseId: res.body.release.id, retryOf: failed.id }));
    expect(await Release.query().findById(bystander.id)).toMatchObject({ state: 'failed', requestKey: bystander.requestKey });

    for (const state of ['done', 'review', 'queued']) {
      const busy = await release({ state: state as never, name: null });
      const refused = await post(operator, busy.id, 'retry');
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'NOT_RETRYABLE', message: `Release is ${state}; only a failed or cancelled release can be retried` });
    }
  });

  it('leaves a release whose retry is refused as it was, refuses a retry already under way, and retries once the cause is gone', async () => {
    const options = { type: 'EBOOK', group: 'LATER', source: 'RETAIL', overrides: {}, force: false } as const;
    const cancelled = await release({ state: 'cancelled', name: null, options: options as never });
    const bystander = await release({ state: 'cancelled', name: null });
    const refused = await post(operator, cancelled.id, 'retry');
    expect(refused.body.error).toMatchObject({ code: 'UNKNOWN_GROUP' });
    expect(await Release.query().findById(cancelled.id)).toMatchObject({ state: 'cancelled', requestKey: cancelled.requestKey });
    expect(await Release.query().findById(bystander.id)).toMatchObject({ requestKey: bystander.requestKey });

    await Release.query().patch({ requestKey: `retry-${cancelled.id}` }).where({ id: cancelled.id });
    const underWay = await post(operator, cancelled.id, 'retry');
    expect(underWay.body.error).toMatchObject({ code: 'NOT_RETRYABLE', message: 'The release is being retried already' });
    await Release.query().patch({ requestKey: cancelled.requestKey }).where({ id: cancelled.id });

    await group('LATER');
    const retried = await post(operator, cancelled.id, 'retry');
    expect(retried.status).toBe(202);
    expect(retried.body.release.options).toMatchObject({ group: 'LATER' });
  });

  it("deletes a settled release with its folder and checksum file, and no other release's files", async () => {
    const name = 'Le.Guin.Ursula.K-The.Left.Hand.Of.Darkness-1969-ESP';
    const done = await release({ name });
    const bystander = await release({ name: `${name}.PROPER` });
    // A destination it was sent to does not hold it.
    await ReleaseDistribution.query().insert({ releaseId: done.id, destinationId: await destination('sent', true), state: 'done' });
    const paths = publishedPaths(app.config, name);
    const neighbour = publishedPaths(app.config, `${name}.PROPER`);
    for (const { dir, sfv } of [paths, neighbour]) {
      fs.mkdirSync(dir, { recursive: true });
      fs.mkdirSync(path.dirname(sfv), { recursive: true });
      fs.writeFileSync(path.join(dir, 'book.zip'), 'zip');
      fs.writeFileSync(sfv, 'book.zip 00000000\n');
    }
    expect((await app.http.delete(`/api/releases/${done.id}`).set(as(other))).status).toBe(404);
    expect((await app.http.delete(`/api/releases/${done.id}`).set(as(operator))).status).toBe(204);
    expect(await Release.query().findById(done.id)).toBeUndefined();
    expect([fs.existsSync(paths.dir), fs.existsSync(paths.sfv)]).toEqual([false, false]);
    expect([fs.existsSync(neighbour.dir), fs.existsSync(neighbour.sfv)]).toEqual([true, true]);
    expect(await Release.query().findById(bystander.id)).toBeDefined();
    expect(fs.readdirSync(trashRoot(app.config))).toEqual([]);
    expect(app.logged('release deleted')).toContainEqual(expect.objectContaining({ releaseId: done.id, name, userId: operator.user.id }));

    // Without a name a release owns no files; in review it waits for a person, so it may go too.
    const held = await release({ state: 'review', name: null });
    expect((await app.http.delete(`/api/releases/${held.id}`).set(as(admin))).status).toBe(204);
    expect([fs.existsSync(neighbour.dir), fs.existsSync(neighbour.sfv)]).toEqual([true, true]);
  });

  it('refuses to cancel a release whose flow a worker has started, and leaves it as it is', async () => {
    const asked = await ask(operator, (await insertUpload(operator.user.id, { metadata: INSPECTED_BOOK })).id, { group: 'ESP', extraTags: ['STARTED'] });
    const jobId = jobIds.releaseStep(JobName.Enrich, asked.body.release.id);
    // A stand-in worker: the flows queued before this one pass through it, this one it holds.
    const redis = createRedis(app.config, 'worker');
    let finish = () => {};
    const held = new Promise<void>((resolve) => (finish = resolve));
    const worker = new Worker(QueueName.Enrich, async (job) => (job.id === jobId ? held : undefined), { connection: redis, prefix: app.config.redis.prefix });
    try {
      await waitFor('the stand-in worker to take the job', async () => (await jobState(QueueName.Enrich, jobId)) === 'active');
      expect(await jobState(QueueName.Enrich, jobId)).toBe('active');
      const res = await post(operator, asked.body.release.id, 'cancel');
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'NOT_CANCELLABLE', message: 'The release has started; it can no longer be cancelled' });
      expect(await Release.query().findById(asked.body.release.id)).toMatchObject({ state: 'queued', finishedAt: null });
      expect(await jobState(QueueName.Enrich, jobId)).toBe('active');
    } finally {
      finish();
      await worker.close();
      redis.disconnect();
    }
  });

  it('refuses to delete a release that is running or being uploaded, keeping its files', async () => {
    const name = 'Busy.Release-ESP';
    const uploading = await release({ name });
    const destinationId = await destination('busy', true);
    await ReleaseDistribution.query().insert({ releaseId: uploading.id, destinationId, state: 'uploading' });
    const { dir } = publishedPaths(app.config, name);
    fs.mkdirSync(dir, { recursive: true });
    const res = await app.http.delete(`/api/releases/${uploading.id}`).set(as(operator));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'RELEASE_BUSY', message: 'The release is being uploaded to a destination' });
    expect(fs.existsSync(dir)).toBe(true);

    const packing = await release({ state: 'packing', name: null });
    const busy = await app.http.delete(`/api/releases/${packing.id}`).set(as(operator));
    expect(busy.body.error).toMatchObject({ code: 'RELEASE_BUSY', message: 'Release is packing; cancel it or wait until it has finished' });
    expect(await Release.query().findById(packing.id)).toBeDefined();
  });
});
