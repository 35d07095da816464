import { NfoTemplate, Release, User } from '../db/models';
import type { EnrichedBook } from '../jobs/enrich/merge';
import { holdOrPack } from '../jobs/lifecycle/review-hold';
import { enrichedOf, INSPECTED_BOOK, insertRelease, insertUpload } from './support/rows';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The NFO size cap (MAX_NFO_CHARS) over HTTP: a preview over it is a 422, a template whose NFO on
 * the longest facts a book can have is over it is refused on save, and a release whose NFO would be
 * over it (a template saved before the check) waits in review instead of failing enrich five times.
 * Template names and bodies refuse terminal control characters.
 */
let app: TestApp;
let operator: { user: User; token: string };
let admin: { user: User; token: string };

beforeAll(async () => {
  app = await startTestApp();
  operator = await app.createUser('operator');
  admin = await app.createUser('admin');
});
afterAll(() => app.close());

const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
const PROOF = 'https://books.example.test/left-hand';
/** A book with the longest description cleanText keeps. */
const LONG_BOOK = { ...INSPECTED_BOOK, description: 'A long blurb of the book, '.repeat(400).slice(0, 10_000).trim() };
const TOO_LARGE = 'NFO_TOO_LARGE';

async function releaseWithLongDescription(fields: Partial<Release> = {}): Promise<Release> {
  const upload = await insertUpload(operator.user.id, { metadata: LONG_BOOK, size: 2_000_000 });
  return insertRelease(upload, { metadata: enrichedOf(LONG_BOOK), ...fields });
}

describe('NFO size cap in template previews', () => {
  it("answers a 422 NFO_TOO_LARGE for a draft of {{description}} repeated thousands of times on the user's own release", async () => {
    const release = await releaseWithLongDescription();
    const res = await app.http.post('/api/templates/preview').set(as(operator)).send({ body: '{{description}}'.repeat(2_184), releaseId: release.id });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: TOO_LARGE,
      message: 'The template cannot be used: for this release, the NFO would be over 65,536 characters long (at most 65,536): the template prints too many or too long fields',
      details: { maxChars: 65_536 },
    });
    // The same release previews a template within the cap.
    const fits = await app.http.post('/api/templates/preview').set(as(operator)).send({ body: '{{title}}\n{{description}}', releaseId: release.id });
    expect(fits.status).toBe(200);
    expect(fits.body.preview.problems).toEqual([]);
  });

  it('answers a 422 NFO_TOO_LARGE for a draft over the cap with the sample data', async () => {
    const res = await app.http.post('/api/templates/preview').set(as(operator)).send({ body: '{{name}}\n'.repeat(3_600) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(TOO_LARGE);
    expect(res.body.error.message).toMatch(/^The template cannot be used: with the sample data, the NFO would be over 65,536 characters/);
  });
});

describe('NFO size cap when a template is saved', () => {
  it('refuses to create or update a template whose NFO for the longest facts a book can have is over the cap', async () => {
    // Fine with the sample data (a short description), 70,000 characters for a 10,000-character one.
    const sevenDescriptions = '{{description}}\n'.repeat(7);
    const created = await app.http.post('/api/templates').set(as(admin)).send({ name: 'seven-blurbs', body: sevenDescriptions });
    expect(created.status).toBe(422);
    expect(created.body.error.code).toBe(TOO_LARGE);
    expect(created.body.error.message).toMatch(
      /^The template cannot be used: for a book with the longest facts \(title, subtitle, author, publisher and description of 10,000 characters each\), the NFO would be over 65,536 characters/,
    );

    const saved = await app.http.post('/api/templates').set(as(admin)).send({ name: 'one-blurb', body: '{{title}}\n{{description}}' });
    expect(saved.status).toBe(201);
    const updated = await app.http.patch(`/api/templates/${saved.body.template.id}`).set(as(admin)).send({ body: sevenDescriptions });
    expect(updated.status).toBe(422);
    expect(updated.body.error.code).toBe(TOO_LARGE);
    expect((await app.http.get(`/api/templates/${saved.body.template.id}`).set(as(admin))).body.template.body).toBe('{{title}}\n{{description}}');
    expect((await NfoTemplate.query().where({ name: 'seven-blurbs' })).length).toBe(0);
  });
});

describe('NFO size cap in the pipeline', () => {
  it('holds a release whose NFO would be over the cap in review, saying so, instead of failing (a template saved before the check)', async () => {
    const template = await NfoTemplate.query().insertAndFetch({ name: 'saved-before-the-check', description: '', body: '{{description}}\n'.repeat(10) });
    const release = await releaseWithLongDescription({
      state: 'enriching',
      step: 'enrich',
      progress: 0,
      nfoTemplateId: template.id,
      options: { type: 'EBOOK', group: 'ESP', source: 'RETAIL', proofUrl: PROOF, overrides: {}, force: false } as Release['options'],
    });
    const reason = 'texts: the NFO would be over 65,536 characters long (at most 65,536): the template prints too many or too long fields';

    // What the enrich job decides once the book is enriched.
    expect(await holdOrPack(release, 2_000_000, release.metadata as unknown as EnrichedBook, app.context.queue)).toBe('review');
    expect(await Release.query().findById(release.id)).toMatchObject({ state: 'review', reviewReasons: [reason] });

    const preview = await app.http.get(`/api/releases/${release.id}/preview`).set(as(operator));
    expect(preview.status).toBe(200);
    expect(preview.body.preview.reviewReasons).toEqual([{ code: 'RULE_BROKEN', message: reason, blocking: true }]);
    expect(preview.body.preview.nfo).toBeUndefined();
  });
});

describe('control characters in templates', () => {
  it.each([
    ['body', { name: 'bell', body: '{{title}}\u0007' }, 'U+0007 at character 10'],
    ['body', { name: 'escape', body: 'x\n\u001b[2J{{title}}' }, 'U+001B at character 3'],
    ['body', { name: 'nul', body: '{{title}}\u0000' }, 'U+0000 at character 10'],
    ['name', { name: 'house\u001b[31m', body: '{{title}}' }, 'U+001B at character 6'],
  ])('refuses a %s holding one, naming the field and the character', async (field, template, where) => {
    const res = await app.http.post('/api/templates').set(as(admin)).send(template);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { fields: [{ field, message: `must not hold control characters other than tab, CR and LF (${where})` }] },
    });
  });

  it('refuses one in an update and in a draft preview, and keeps tab, CR and LF', async () => {
    const saved = await app.http.post('/api/templates').set(as(admin)).send({ name: 'tabs', body: '\t{{title}}\r\n\t{{group}}' });
    expect(saved.status).toBe(201);
    const updated = await app.http.patch(`/api/templates/${saved.body.template.id}`).set(as(admin)).send({ body: '{{title}}\u001b' });
    expect(updated.status).toBe(400);
    expect(updated.body.error.details.fields).toEqual([{ field: 'body', message: expect.stringContaining('U+001B') }]);
    const draft = await app.http.post('/api/templates/preview').set(as(operator)).send({ body: '\u007f{{title}}' });
    expect(draft.status).toBe(400);
    expect(draft.body.error.details.fields).toEqual([{ field: 'body', message: expect.stringContaining('U+007F at character 1') }]);
  });
});
