import { randomBytes, randomUUID } from 'node:crypto';
import { createDatabase, Database, migrateLatest } from '../../db/knex';
import { bindModels, Release, ReleaseState, Upload, User } from '../../db/models';
import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { ReleaseOptions, releaseOptionsSchema } from '../../lib/domain/release-options';
import { ConflictError } from '../../lib/errors';
import { createTestEnv, TestEnv } from '../../test/support/test-env';
import { permissionOf } from '../../lib/permissions';
import { Actor } from './actor';
import { refuseOutrankedSource } from './dupe-policy';

/**
 * The dupe order's look-up on real rows (SQLite or MariaDB, TEST_DB): a release is found by its
 * upload's bytes, by the ISBN or title key its enrichment stored, or, while not yet enriched, by
 * what its upload and overrides say; and the look-up reads those releases by index, not the table.
 * test/release-dupes.test.ts covers the same rules through the API and a worker.
 */
let env: TestEnv;
let db: Database;
let userId: number;
/** The owner of every release here, as the one asking. */
let owner: Actor;

beforeAll(async () => {
  env = await createTestEnv();
  db = createDatabase(env.config.database);
  await migrateLatest(db);
  bindModels(db);
  const user = await User.query().insertAndFetch({ email: 'op@example.test', passwordHash: 'x', role: 'operator', disabled: false });
  userId = user.id;
  owner = new Actor(user, new Set());
}, 60_000);
afterAll(async () => {
  await db?.destroy();
  await env?.cleanup();
});

const EARTHSEA: Partial<EmbeddedMetadata> = { format: 'epub', title: 'A Wizard of Earthsea', authors: ['Ursula K. Le Guin'], year: 1968 };
const options = (source: string, more: Record<string, unknown> = {}): ReleaseOptions => releaseOptionsSchema.parse({ group: 'ESP', source, ...more });

async function upload(metadata: Partial<EmbeddedMetadata> | null): Promise<Upload> {
  const id = randomUUID();
  return Upload.query().insertAndFetch({ id, userId, originalName: 'b.epub', storedName: id, size: 1, sha256: randomBytes(32).toString('hex'), status: metadata ? 'inspected' : 'stored', metadata: metadata as EmbeddedMetadata | null });
}

/** A release row as the pipeline leaves it: enriched ones hold their record (the model keys the book). */
async function release(state: ReleaseState, from: Upload, source: string, record?: Record<string, unknown>): Promise<Release> {
  const id = randomUUID();
  const enriched = record ? { metadata: { record: { sources: {}, ...record }, confidence: 1, providers: [] } } : {};
  return Release.query().insertAndFetch({ id, uploadId: from.id, userId, requestKey: id.replace(/-/g, '').padEnd(64, '0'), options: options(source), type: 'EBOOK', state, progress: 0, releaseDate: '2026-01-01', ...enriched } as never);
}

const refusal = (from: Pick<Upload, 'sha256' | 'metadata'>, asked: ReleaseOptions, by: Actor = owner) =>
  refuseOutrankedSource(by, from, asked).then(() => undefined, (err: unknown) => err);

describe('dupe order look-up', () => {
  it.each(['queued', 'inspecting', 'enriching'] as const)('finds a RETAiL release that is %s by what its upload and overrides say', async (state) => {
    const isbn = '9780553262506';
    const retail = await release(state, await upload({ ...EARTHSEA, isbn }), 'RETAIL');
    const err = await refusal(await upload({ authors: [], isbn }), options('SCAN'));
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'DUPE', details: { releaseId: retail.id, source: 'RETAIL', state } });
    await retail.$query().delete();
  });

  it('finds an enriched release by its stored record (ISBN or title, author and year), not by what its upload said', async () => {
    // The file said another book; the catalogue put it right, and the record says what the book is.
    const misread = { title: 'The Left Hand of Darkness', authors: ['Ursula K. Le Guin'], year: 1969, isbn: '0441478123' };
    const retail = await release('done', await upload(misread), 'RETAIL', { ...EARTHSEA, isbn: '9780547773742' });
    const byIsbn = await refusal(await upload({ authors: [], isbn: '978-0-547-77374-2' }), options('HYBRID'));
    expect(byIsbn).toMatchObject({ code: 'DUPE', details: { releaseId: retail.id } });
    const byTitle = await refusal(await upload({ authors: [] }), options('SCAN', { overrides: { title: 'a wizard of EARTHSEA', authors: ['Le Guin, Ursula K.'], year: 1968 } }));
    expect(byTitle).toMatchObject({ code: 'DUPE', details: { releaseId: retail.id } });
    expect(await refusal(await upload(misread), options('SCAN'))).toBeUndefined();
    // Enriched again with another record: the keys follow it.
    await retail.$query().patch({ metadata: { record: { format: 'epub', ...misread, sources: {} }, confidence: 1, providers: [] } });
    expect(await refusal(await upload({ authors: [], isbn: '978-0-547-77374-2' }), options('HYBRID'))).toBeUndefined();
    expect(await refusal(await upload({ authors: [], isbn: '0441478123' }), options('HYBRID'))).toMatchObject({ code: 'DUPE', details: { releaseId: retail.id } });
    await retail.$query().delete();
  });

  it('compares titles without accents, case or punctuation, and authors in any order', async () => {
    const retail = await release('done', await upload({ authors: [] }), 'RETAIL', EARTHSEA);
    const asked = options('SCAN', { overrides: { title: 'A WÍZARD of  Éarthsea!', authors: ['Le Guin, Ursula K.'], year: 1968 } });
    expect(await refusal(await upload({ authors: [] }), asked)).toMatchObject({ code: 'DUPE', details: { releaseId: retail.id } });
    await retail.$query().delete();
  });

  it('tells another book in flight apart when neither side knows its ISBN, nor its title, author and year in full', async () => {
    const inFlight = await release('enriching', await upload({ title: 'The Tombs of Atuan', authors: [] }), 'RETAIL');
    expect(await refusal(await upload({ title: 'The Farthest Shore', authors: [] }), options('SCAN'))).toBeUndefined();
    await inFlight.$query().delete();
  });

  it('counts neither a failed or cancelled release nor a worse source, nor another type', async () => {
    const from = await upload({ ...EARTHSEA });
    const rows = [await release('failed', from, 'RETAIL', EARTHSEA), await release('cancelled', from, 'RETAIL', EARTHSEA), await release('done', from, 'SCAN', EARTHSEA)];
    const other = await release('done', from, 'RETAIL', EARTHSEA);
    await other.$query().patch({ type: 'AUDIOBOOK' } as never);
    expect(await refusal(from, options('HYBRID'))).toBeUndefined();
    for (const row of [...rows, other]) await row.$query().delete();
  });

  it("names another user's release by its name only, unless the one asking may manage every release", async () => {
    const retail = await release('done', await upload({ ...EARTHSEA }), 'RETAIL', EARTHSEA);
    const scan = async (by: Actor) => (await refusal(await upload({ ...EARTHSEA }), options('SCAN'), by)) as ConflictError;
    const stranger = await User.query().insertAndFetch({ email: 'stranger@example.test', passwordHash: 'x', role: 'operator', disabled: false });

    const unnamed = await scan(new Actor(stranger, new Set()));
    expect(unnamed).toMatchObject({ code: 'DUPE', details: { name: null, source: 'RETAIL' } });
    expect(unnamed.details).not.toHaveProperty('releaseId');
    expect(unnamed.details).not.toHaveProperty('state');
    expect(unnamed.message).toMatch(/^A RETAiL release of this book exists: another user's release, not named yet\. SCAN after RETAiL/);
    expect(unnamed.message).not.toContain(retail.id);

    await retail.$query().patch({ name: 'Le.Guin.Ursula.K-A.Wizard.Of.Earthsea-RETAiL-ESP' });
    const named = await scan(new Actor(stranger, new Set()));
    expect(named).toMatchObject({ details: { name: 'Le.Guin.Ursula.K-A.Wizard.Of.Earthsea-RETAiL-ESP' } });
    expect(named.message).toMatch(/exists: Le\.Guin\.Ursula\.K-A\.Wizard\.Of\.Earthsea-RETAiL-ESP \(another user's release\)\./);

    const moderator = await scan(new Actor(stranger, new Set([permissionOf('releases', 'MOD')])));
    expect(moderator).toMatchObject({ details: { releaseId: retail.id, state: 'done' } });
    await retail.$query().delete();
    await stranger.$query().delete();
  });

  it('reads only the releases of the book and those in flight, by index, on a table of many releases', async () => {
    const from = await upload({ ...EARTHSEA, isbn: '9780553262506' });
    const retail = await release('done', from, 'RETAIL', { ...EARTHSEA, isbn: '9780553262506' });
    // Many other books, so a planner that could read every release of the type would rather not.
    const otherUploads = Array.from({ length: 400 }, () => ({ id: randomUUID(), userId, originalName: 'b.epub', storedName: randomUUID(), size: 1, sha256: randomBytes(32).toString('hex'), status: 'inspected', createdAt: new Date(), updatedAt: new Date() }));
    const others = otherUploads.map((other, i) => ({ id: randomUUID(), uploadId: other.id, userId, requestKey: `other-${String(i).padStart(4, '0')}`.padEnd(64, '0'), options: JSON.stringify(options('RETAIL')), type: 'EBOOK', state: 'done', progress: 100, releaseDate: '2026-01-01', bookIsbn: null, bookTitleKey: `${i}`.padStart(64, '0'), createdAt: new Date(), updatedAt: new Date() }));
    for (let i = 0; i < others.length; i += 100) {
      await db('uploads').insert(otherUploads.slice(i, i + 100));
      await db('releases').insert(others.slice(i, i + 100));
    }
    if (db.client.config.client === 'mysql2') await db.raw('ANALYZE TABLE releases, uploads');
    else await db.raw('ANALYZE');

    const seen: { sql: string; bindings: readonly unknown[] }[] = [];
    const listen = (q: { sql: string; bindings: readonly unknown[] }) => seen.push(q);
    db.on('query', listen);
    try {
      expect(await refusal({ sha256: 'f'.repeat(64), metadata: { ...EARTHSEA, isbn: '9780553262506' } as EmbeddedMetadata }, options('SCAN'))).toMatchObject({ code: 'DUPE', details: { releaseId: retail.id } });
    } finally {
      db.off('query', listen);
    }
    const candidates = seen.find((q) => /union/i.test(q.sql));
    const rows = seen.find((q) => /from `releases` inner join `uploads`.* in \(/i.test(q.sql) && !/union/i.test(q.sql));
    expect([candidates, rows]).toEqual([expect.anything(), expect.anything()]);
    for (const query of [candidates!, rows!]) {
      if (db.client.config.client === 'mysql2') {
        const [plan] = (await db.raw(`EXPLAIN ${query.sql}`, query.bindings as never)) as [{ table: string; type: string; key: string | null }[]];
        const reads = plan.filter((step) => step.table === 'releases' || step.table === 'uploads');
        expect(reads.length).toBeGreaterThan(0);
        // No read of the whole table, nor of every release of the type.
        expect(reads.filter((step) => step.type === 'ALL' || step.type === 'index' || step.key === 'releases_type_index')).toEqual([]);
      } else {
        const plan = ((await db.raw(`EXPLAIN QUERY PLAN ${query.sql}`, query.bindings as never)) as { detail: string }[]).map((p) => p.detail);
        const reads = plan.filter((line) => /^(SCAN|SEARCH) (releases|uploads)\b/.test(line));
        expect(reads.length).toBeGreaterThan(0);
        expect(reads.filter((line) => /^SCAN|releases_type_index/.test(line))).toEqual([]);
      }
    }
    await db('releases').whereIn('id', others.map((o) => o.id)).delete();
    await db('uploads').whereIn('id', otherUploads.map((o) => o.id)).delete();
    await retail.$query().delete();
  });
});
