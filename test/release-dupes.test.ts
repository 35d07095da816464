import fs from 'node:fs';
import path from 'node:path';
import { Release } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { as, Caller, PipelineWorld, startPipelineWorld } from './support/pipeline-world';
import type { TestApp } from './support/test-app';

/**
 * Release identity over HTTP with a real worker: a second request for the same book and naming
 * options is a 409 DUPE naming the first, and so is a SCAN or HYBRiD of a book that already has a
 * better release (RETAiL beats HYBRiD beats SCAN: same bytes, same ISBN, or same title, author and
 * year); a better source after a worse one and an iNTERNAL release go ahead; deleting frees the book.
 */
let world: PipelineWorld<'first' | 'second'>;
let app: TestApp;
let first: Caller;
let second: Caller;
const PROOF = 'https://www.hmhbooks.com/shop/books/a-wizard-of-earthsea/9780547928227';
const EARTHSEA = { isbn: '9780547928227', date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt' };

beforeAll(async () => {
  world = await startPipelineWorld({ users: { first: ['operator'], second: ['operator'] } });
  ({ app, users: { first, second } } = world);
}, 90_000);
afterAll(() => world.close());

/** Writes a book, uploads it as `who` and waits until it has been read. */
async function uploaded(who: Caller, file: string, options: Parameters<typeof writeEpub>[1]): Promise<string> {
  const book = path.join(app.dataDir, file);
  if (!fs.existsSync(book)) await writeEpub(book, options);
  return world.upload(who, book);
}

const request = (who: Caller, uploadId: string, options: Record<string, unknown>) =>
  app.http.post('/api/releases').set(as(who)).send({ uploadId, options: { group: 'ESP', ...options } });

async function published(who: Caller, id: string) {
  const release = await world.waitForRelease(who, id);
  expect(release).toMatchObject({ state: 'done', error: null });
  return release as { id: string; name: string };
}

const folder = (name: string) => path.join(app.config.storage.releasesDir, name);

/** A 409 DUPE naming `release`: by id too for its owner, by its public name alone for another user. */
function expectDupeOf(res: { status: number; body: { error: { code: string; message: string; details: Record<string, unknown> } } }, release: { id: string; name: string }, askedBy: 'owner' | 'another user') {
  expect(res.status).toBe(409);
  expect(res.body.error).toMatchObject({ code: 'DUPE', details: expect.objectContaining({ name: release.name }) });
  if (askedBy === 'owner') {
    expect(res.body.error.details).toMatchObject({ releaseId: release.id, state: 'done' });
    expect(res.body.error.message).toContain(`${release.name} (release ${release.id})`);
  } else {
    expect(res.body.error.details).not.toHaveProperty('releaseId');
    expect(res.body.error.message).toContain(`${release.name} (another user's release)`);
  }
}

describe('dupes', () => {
  let retail: { id: string; name: string };
  let firstUpload: string;
  let secondUpload: string;

  it('same user twice: the same request answers the same release, another size or proof of the same name is a DUPE', async () => {
    firstUpload = await uploaded(first, 'earthsea.epub', EARTHSEA);
    const created = await request(first, firstUpload, { proofUrl: PROOF, volumeSizeMb: 5 });
    expect(created.status).toBe(202);
    retail = await published(first, created.body.release.id);
    expect(retail.name).toBe('Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP');

    const again = await request(first, firstUpload, { proofUrl: PROOF, volumeSizeMb: 5 });
    expect(again.status).toBe(200);
    expect(again.body.release.id).toBe(retail.id);
    const before = await Release.query().resultSize();
    expectDupeOf(await request(first, firstUpload, { proofUrl: PROOF, volumeSizeMb: 10 }), retail, 'owner');
    // Another proof or description changes the NFO only: the name would be the same.
    expectDupeOf(await request(first, firstUpload, { proofUrl: `${PROOF}?edition=2`, volumeSizeMb: 5 }), retail, 'owner');
    expectDupeOf(await request(first, firstUpload, { proofUrl: PROOF, volumeSizeMb: 5, overrides: { description: 'Another blurb.' } }), retail, 'owner');
    expect(await Release.query().resultSize()).toBe(before);
  });

  it('two users: the second request for the same book and name is a DUPE naming the first, whose folder stays', async () => {
    secondUpload = await uploaded(second, 'earthsea.epub', EARTHSEA);
    expect(secondUpload).not.toBe(firstUpload);
    expectDupeOf(await request(second, secondUpload, { proofUrl: PROOF, volumeSizeMb: 5 }), retail, 'another user');
    expect(fs.readdirSync(folder(retail.name)).length).toBeGreaterThan(0);
  });

  it('RETAiL then SCAN or HYBRiD: a DUPE by the same bytes, the same ISBN, or the same title, author and year', async () => {
    const before = await Release.query().resultSize();
    for (const source of ['SCAN', 'HYBRID']) {
      const res = await request(second, secondUpload, { source });
      expectDupeOf(res, retail, 'another user');
      expect(res.body.error.details.source).toBe('RETAIL');
      expect(res.body.error.message).toMatch(/RETAiL beats HYBRiD beats SCAN/);
    }
    const sameIsbn = await uploaded(second, 'earthsea-scan.epub', { ...EARTHSEA, paddingBytes: 5000 });
    expectDupeOf(await request(second, sameIsbn, { source: 'SCAN' }), retail, 'another user');
    const sameTitle = await uploaded(second, 'earthsea-noisbn.epub', { date: '2012-01-01', paddingBytes: 7000 });
    expectDupeOf(await request(second, sameTitle, { source: 'SCAN', overrides: { authors: ['Le Guin, Ursula K.'] } }), retail, 'another user');
    // Titles compare without accents, case or punctuation.
    expectDupeOf(await request(second, sameTitle, { source: 'SCAN', overrides: { title: 'A WÍZARD of Éarthsea!' } }), retail, 'another user');
    expect(await Release.query().resultSize()).toBe(before);

    // Another book (another year of the same title here) is not a dupe.
    const other = await uploaded(second, 'earthsea-1968.epub', { date: '1968-11-01', paddingBytes: 9000 });
    const res = await request(second, other, { source: 'SCAN' });
    expect(res.status).toBe(202);
    expect((await published(second, res.body.release.id)).name).toBe('Ursula.K.Le.Guin.A.Wizard.of.Earthsea.1968.SCAN.ePub.eBook-ESP');
  });

  it('SCAN then HYBRiD then RETAiL: each is an upgrade and goes ahead; a SCAN after them names the RETAiL', async () => {
    const atuan = { title: 'The Tombs of Atuan', date: '1971-05-01' };
    const upload = await uploaded(first, 'atuan.epub', atuan);
    const names = [];
    for (const options of [{ source: 'SCAN' }, { source: 'HYBRID' }, { source: 'RETAIL', proofUrl: 'https://books.example.test/atuan' }]) {
      const res = await request(first, upload, options);
      expect(res.status).toBe(202);
      names.push((await published(first, res.body.release.id)).name);
    }
    expect(names).toEqual(['SCAN', 'HYBRiD', 'RETAiL'].map((s) => `Ursula.K.Le.Guin.The.Tombs.of.Atuan.1971.${s}.ePub.eBook-ESP`));
    const late = await request(second, await uploaded(second, 'atuan.epub', atuan), { source: 'SCAN' });
    expect(late.status).toBe(409);
    expect(late.body.error.details).toMatchObject({ name: names[2], source: 'RETAIL' });
  });

  it('iNTERNAL is always allowed: a SCAN iNTERNAL of a book with a RETAiL release packs, the tag in its name', async () => {
    const res = await request(second, secondUpload, { source: 'SCAN', internal: true });
    expect(res.status).toBe(202);
    const internal = await published(second, res.body.release.id);
    expect(internal.name).toBe('Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.SCAN.iNTERNAL.ePub.eBook-ESP');
    const tagged = await request(second, secondUpload, { source: 'HYBRID', extraTags: ['iNTERNAL'] });
    expect(tagged.status).toBe(202);
  });

  it('re-request after delete: once the RETAiL is deleted, the SCAN and the same RETAiL name are free again', async () => {
    expect((await app.http.delete(`/api/releases/${retail.id}`).set(as(first))).status).toBe(204);
    expect(fs.existsSync(folder(retail.name))).toBe(false);
    const scan = await request(second, secondUpload, { source: 'SCAN' });
    expect(scan.status).toBe(202);
    const again = await request(second, secondUpload, { proofUrl: PROOF, volumeSizeMb: 5 });
    expect(again.status).toBe(202);
    const republished = await published(second, again.body.release.id);
    expect(republished.name).toBe(retail.name);
    expect(fs.readdirSync(folder(republished.name)).length).toBeGreaterThan(0);
    await published(second, scan.body.release.id);
  });
});
