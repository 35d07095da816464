import fs from 'node:fs';
import path from 'node:path';
import { Release, ReleaseFile } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { decodeCp437 } from '../jobs/pack/engine/cp437';
import { trashRoot } from '../jobs/storage-paths';
import { as, Caller, PipelineWorld, settledRelease, startPipelineWorld, TestUser, uploadedId } from './support/pipeline-world';
import type { TestApp } from './support/test-app';

/**
 * Releases packed against stored rules and templates, by a real worker: validation of what was
 * published, rule limits that refuse a release, list filters, stats, and deletion.
 */
const RULES_NFO = path.join(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo');
const TEMPLATE = [
  ' ░▒▓█ {{group}} █▓▒░',
  '',
  ' {{title}}{% if subtitle %} - {{subtitle}}{% endif %}',
  ' Author ....: {{authors}}',
  ' Released ..: {{releaseDate}}',
  '{% if isbn %}',
  ' ISBN ......: {{isbn}}',
  '{% endif %}',
  ' Disks .....: {{disks}}',
  '',
  ' {{description}}',
].join('\n');

let world: PipelineWorld<'admin' | 'operator'>;
let app: TestApp;
let admin: Caller;
let operator: TestUser;
let ruleId: number;
/** A RETAiL release names the store page that proves its edition (else it waits in review). */
const PROOF = 'https://www.hmhbooks.com/shop/books/a-wizard-of-earthsea/9780547928227';

beforeAll(async () => {
  world = await startPipelineWorld({ replay: ['googlebooks', 'omdb'], users: { admin: ['admin', 'admin@example.test', []], operator: ['operator', 'op@example.test', []] } });
  ({ app, users: { admin, operator } } = world);
  ruleId = (await app.http.post('/api/rules/import').set(as(admin)).attach('file', RULES_NFO)).body.rule.id;
  const templateId = (await app.http.post('/api/templates').set(as(admin)).send({ name: 'esp-house', body: TEMPLATE })).body.template.id;
  const group = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'PaGE', name: 'Page', ruleId, nfoTemplateId: templateId, memberIds: [operator.user.id] });
  expect(group.status).toBe(201);
}, 60_000);
afterAll(() => world.close());

async function packed(file: string, options: Record<string, unknown>) {
  const uploadId = await uploadedId(app, operator, file);
  const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options: { group: 'PaGE', proofUrl: PROOF, ...options } });
  expect(requested.status).toBe(202);
  return settledRelease(app, operator, requested.body.release.id);
}

describe('releases against stored rules and templates', () => {
  let release: { id: string; name: string; state: string; metadata: { tieIns: { provider: string; status: string }[] } };
  let narrowRuleHold: { id: string };

  it("packs with the group's rule and template, and looks the tie-in up with the OMDb key stored in the configuration", async () => {
    await app.http.put('/api/configurations/providers.omdbKey').set(as(admin)).send({ value: 'k' });
    const book = path.join(app.dataDir, 'earthsea.epub');
    await writeEpub(book, { isbn: '9780547928227', date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt' });
    release = await packed(book, { tieIn: { imdbId: 'tt1375666' } });
    expect(release.state).toBe('done');
    expect(release.metadata.tieIns).toContainEqual(expect.objectContaining({ provider: 'omdb', status: 'found' }));

    const dir = path.join(app.config.storage.releasesDir, release.name);
    const nfoName = fs.readdirSync(dir).find((f) => f.endsWith('.nfo'))!;
    const nfo = decodeCp437(fs.readFileSync(path.join(dir, nfoName)));
    expect(nfo.startsWith(' ░▒▓█ PaGE █▓▒░\r\n\r\n A Wizard of Earthsea\r\n Author ....: ')).toBe(true);
    expect(nfo).toContain(' ISBN ......: 9780547928227 / 054792822X\r\n Disks .....: 1 x 5MB\r\n');
    for (const line of nfo.split('\r\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it("previews a template with the release's own facts: its title, its volumes and the rule's smallest volume size", async () => {
    const preview = await app.http.post('/api/templates/preview').set(as(operator)).send({ body: '{{title}} | {{disks}} | {{group}}', releaseId: release.id });
    expect(preview.status).toBe(200);
    expect(preview.body.preview).toEqual({ data: { releaseId: release.id }, text: 'A Wizard of Earthsea | 1 x 5MB | PaGE\r\n', width: 80, lines: 1, problems: [] });
  });

  it('reports each rule check of the published release as passed, and a tampered NFO as failed', async () => {
    const res = await app.http.get(`/api/releases/${release.id}/validation`).set(as(operator));
    expect(res.status).toBe(200);
    expect(res.body.validation).toMatchObject({ releaseId: release.id, rule: { id: ruleId, section: 'EBOOK', year: 2022 }, passed: true });
    expect(res.body.validation.checks.map((c: { check: string }) => c.check)).toEqual([
      'dirname-length', 'dirname-rules', 'format', 'layout', 'zip-names', 'volume-count', 'volume-size', 'nfo', 'nfo-creator', 'diz', 'zip-contents',
    ]);

    const dir = path.join(app.config.storage.releasesDir, release.name);
    const nfoPath = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.nfo'))!);
    const original = fs.readFileSync(nfoPath);
    fs.appendFileSync(nfoPath, `${'x'.repeat(95)}\r\n`);
    fs.writeFileSync(path.join(dir, 'release.sfv'), 'stray');
    fs.mkdirSync(path.join(dir, 'Sample'));
    const tampered = (await app.http.get(`/api/releases/${release.id}/validation`).set(as(operator))).body.validation;
    fs.writeFileSync(nfoPath, original);
    fs.rmSync(path.join(dir, 'release.sfv'));
    fs.rmdirSync(path.join(dir, 'Sample'));
    expect(tampered.passed).toBe(false);
    const failed = Object.fromEntries(tampered.checks.filter((c: { passed: boolean }) => !c.passed).map((c: { check: string; detail: string }) => [c.check, c.detail]));
    expect(failed).toEqual({ layout: 'unexpected files: Sample/, release.sfv', nfo: expect.stringMatching(/^NFO line \d+ is 95 columns wide \(at most 80\)$/) });
  });

  it("holds a release the rule's limits refuse in review, saying which limit, and approval cannot pack it", async () => {
    const narrow = await app.http.post('/api/rules').set(as(admin)).send({
      section: 'EBOOK', year: 2030, scene: 'Narrow', title: 'Narrow DIZ', body: 'FILE_ID.DIZ at most 20 columns.',
      limits: { nfoWidth: 80, dizWidth: 20, dizLines: 30, volumeSizesMb: [5], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 },
    });
    const book = path.join(app.dataDir, 'wide.epub');
    await writeEpub(book, { title: 'Too Wide For The Rule', date: '1971-11-01' });
    // A rule of another section cannot name an eBook.
    const tvRule = await app.http.post('/api/rules').set(as(admin)).send({
      section: 'TV', year: 2030, scene: 'Narrow', title: 'TV', body: 'TV rules.', limits: { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 },
    });
    const mismatch = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: await uploadedId(app, operator, book), options: { group: 'PaGE', ruleId: tvRule.body.rule.id } });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error).toMatchObject({ code: 'RULE_MISMATCH', message: `Rule ${tvRule.body.rule.id} is for TV releases, not EBOOK` });
    const held = await packed(book, { ruleId: narrow.body.rule.id });
    narrowRuleHold = held;
    expect(held.state).toBe('review');
    expect((held as unknown as { reviewReasons: string[] }).reviewReasons).toEqual([expect.stringMatching(/^texts: DIZ line \d+ is \d+ columns wide \(at most 20\)/)]);
    const approve = await app.http.post(`/api/releases/${held.id}/approve`).set(as(operator));
    expect(approve.status).toBe(409);
    expect(approve.body.error.code).toBe('REVIEW_BLOCKED');
    expect(fs.readdirSync(app.config.storage.releasesDir).filter((f) => f.includes('Too.Wide'))).toEqual([]);
    // Nothing is published, so there is nothing to check against the rule.
    const validation = await app.http.get(`/api/releases/${held.id}/validation`).set(as(operator));
    expect(validation.status).toBe(409);
    expect(validation.body.error).toMatchObject({ code: 'NOT_PACKED', message: 'Release is review; only a packed release can be validated' });
  });

  it('lists releases with filters, sorting and pagination, and counts them in the stats', async () => {
    const list = (query: string) => app.http.get(`/api/releases?${query}`).set(as(admin)).then((r) => r.body);
    expect((await list('state=done')).releases.map((r: { id: string }) => r.id)).toEqual([release.id]);
    expect((await list('state=review&type=ebook')).pagination.total).toBe(1);
    expect((await list('group=PaGE')).pagination.total).toBe(2);
    expect((await list('group=NOPE')).pagination.total).toBe(0);
    expect((await list(`q=${release.name.slice(0, 10)}`)).releases).toHaveLength(1);
    expect((await list(`userId=${operator.user.id}&pageSize=1&page=2&sort=createdAt`)).releases).toHaveLength(1);
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    expect((await list(`from=${day(-1)}`)).pagination.total).toBe(0);
    expect((await list(`to=${day(-1)}`)).pagination.total).toBe(2);
    // `to` is the first day not listed; `q` is text, its % and _ no wildcards.
    expect((await list(`to=${day(0)}`)).pagination.total).toBe(0);
    expect((await list('q=%25')).pagination.total).toBe(0);
    expect((await list('q=_')).pagination.total).toBe(0);
    expect((await app.http.get('/api/releases?sort=password').set(as(admin))).status).toBe(400);
    expect((await app.http.get('/api/releases?state=done').set(as(await app.createUser('operator', 'nobody@example.test', [])))).body.releases).toEqual([]);

    const stats = (await app.http.get('/api/stats').set(as(admin))).body.stats;
    expect(stats.releases.byState).toEqual({ done: 1, review: 1 });
    expect(stats.releases.byType).toEqual({ EBOOK: 2 });
    expect(stats.releases.byGroup).toEqual({ PaGE: 2 });
    // Thirty days, oldest first, ending today; both releases were made today.
    expect(stats.releases.perDay).toHaveLength(30);
    expect(stats.releases.perDay[0]).toEqual({ day: day(29), count: 0 });
    expect(stats.releases.perDay.at(-1)).toEqual({ day: day(0), count: 2 });
    expect(stats.releases.perDay.slice(0, -1).every((d: { count: number }) => d.count === 0)).toBe(true);
    // The held release never reached the pack queue, and nothing failed.
    expect(stats.jobs.pack).toMatchObject({ completed: 1, failed: 0 });
    expect(stats.jobs.enrich).toMatchObject({ completed: 2, failed: 0 });
    expect(stats.recentFailures).toEqual([]);
  });

  it('cancels a release held in review (approving it after is refused) and deletes it; deletes one still in review outright', async () => {
    const book = path.join(app.dataDir, 'undated.epub');
    await writeEpub(book, { title: 'The Tombs of Atuan' });
    const held = await packed(book, {});
    expect(held).toMatchObject({ state: 'review', reviewReasons: ['the publication year is unknown'] });

    const cancelled = await app.http.post(`/api/releases/${held.id}/cancel`).set(as(operator));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.release).toMatchObject({ id: held.id, state: 'cancelled' });
    const approve = await app.http.post(`/api/releases/${held.id}/approve`).set(as(operator));
    expect(approve.status).toBe(409);
    expect(approve.body.error.code).toBe('NOT_IN_REVIEW');
    expect((await app.http.post(`/api/releases/${held.id}/cancel`).set(as(operator))).body.error.code).toBe('NOT_CANCELLABLE');
    expect((await app.http.delete(`/api/releases/${held.id}`).set(as(operator))).status).toBe(204);
    expect(await Release.query().findById(held.id)).toBeUndefined();

    // Deleting straight from review: nothing was published, the row goes.
    expect((await Release.query().findById(narrowRuleHold.id))?.state).toBe('review');
    expect((await app.http.delete(`/api/releases/${narrowRuleHold.id}`).set(as(operator))).status).toBe(204);
    expect((await app.http.get(`/api/releases/${narrowRuleHold.id}`).set(as(operator))).status).toBe(404);
    // A published release cannot be cancelled.
    expect((await app.http.post(`/api/releases/${release.id}/cancel`).set(as(operator))).body.error).toMatchObject({ code: 'NOT_CANCELLABLE' });
  });

  it('deletes a release with its folder, checksum file and rows once of eight deletes sent at once, leaving nothing behind', async () => {
    const dir = path.join(app.config.storage.releasesDir, release.name);
    const sfv = path.join(app.config.storage.releasesDir, '.checksums', `${release.name}.sfv`);
    expect(fs.existsSync(dir) && fs.existsSync(sfv)).toBe(true);
    // The others find it gone: none moves a file of it back, none fails.
    const answers = await Promise.all(Array.from({ length: 8 }, () => app.http.delete(`/api/releases/${release.id}`).set(as(operator))));
    expect(answers.map((a) => a.status).sort()).toEqual([204, 404, 404, 404, 404, 404, 404, 404]);
    expect(fs.readdirSync(trashRoot(app.config))).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(sfv)).toBe(false);
    expect(await Release.query().findById(release.id)).toBeUndefined();
    expect(await ReleaseFile.query().where({ releaseId: release.id })).toEqual([]);
    expect(fs.readdirSync(app.config.storage.releasesDir).filter((f) => !f.startsWith('.'))).toEqual([]);
    expect((await app.http.get(`/api/releases/${release.id}`).set(as(operator))).status).toBe(404);
    expect(app.logged('release deleted').filter((e) => e.releaseId === release.id)).toEqual([
      expect.objectContaining({ level: 'info', name: release.name, userId: operator.user.id }),
    ]);
  });
});
