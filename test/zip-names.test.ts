import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { volumeFileNames } from '../jobs/pack/engine/volume-names';
import { claimZipVariant, freeZipVariant } from '../jobs/pack/zip-prefixes';
import { as, Caller, PipelineWorld, startPipelineWorld } from './support/pipeline-world';
import type { TestApp } from './support/test-app';

/**
 * Rule 3.0: zip names unique within the year across the system. Releases of one book in two
 * languages or from two sources get different zip names; each preview shows the names then packed;
 * a release asking again (a rerun, its own preview) gets its own names back.
 */
let world: PipelineWorld<'operator'>;
let app: TestApp;
let operator: Caller;
const PROOF = 'https://books.example.test/earthsea';

beforeAll(async () => {
  // No catalogue answers: the providers point at a closed port.
  world = await startPipelineWorld({ users: { operator: ['operator'] } });
  ({ app, users: { operator } } = world);
}, 90_000);
afterAll(() => world.close());

const uploaded = (file: string) => world.upload(operator, file);

const zipsOf = (preview: { volumes: { files: { zip: string }[] } }) => preview.volumes.files.map((f) => f.zip);

/** Previews the request, packs it, and checks the folder holds exactly the previewed zips. */
async function previewedAndPacked(uploadId: string, options: Record<string, unknown>): Promise<{ id: string; name: string; zips: string[] }> {
  const preview = (await app.http.post('/api/releases/preview').set(as(operator)).send({ uploadId, options })).body.preview;
  const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options });
  expect(requested.status).toBe(202);
  const id = requested.body.release.id;
  const release = await world.waitForRelease(operator, id);
  expect(release).toMatchObject({ state: 'done', name: preview.name });
  const published = fs.readdirSync(path.join(app.config.storage.releasesDir, release.name)).filter((f) => f.endsWith('.zip')).sort();
  expect(published).toEqual(zipsOf(preview).sort());
  // The stored release's own preview finds its own names, not the next free ones.
  expect(zipsOf((await app.http.get(`/api/releases/${id}/preview`).set(as(operator))).body.preview)).toEqual(zipsOf(preview));
  return { id, name: release.name, zips: published };
}

describe('zip names unique within the year', () => {
  it('gives the same book in two languages and from two sources different zip names, each as previewed', async () => {
    const book = path.join(app.dataDir, 'earthsea.epub');
    await writeEpub(book, { title: 'A Wizard of Earthsea', creators: [{ name: 'Ursula K. Le Guin', role: 'aut' }], date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt' });
    const upload = await uploaded(book);
    // The SCAN first: a SCAN after the RETAiL would be a dupe of it.
    const scan = await previewedAndPacked(upload, { group: 'ESP', source: 'SCAN' });
    const english = await previewedAndPacked(upload, { group: 'ESP', proofUrl: PROOF });
    const french = await previewedAndPacked(upload, { group: 'ESP', proofUrl: PROOF, overrides: { language: 'fr' } });

    expect([scan.name, english.name, french.name]).toEqual([
      'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.SCAN.ePub.eBook-ESP',
      'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP',
      'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.FRENCH.RETAiL.ePub.eBook-ESP',
    ]);
    // The first takes the classic name; the others keep group, year and format letter in another 8.3 name.
    expect(scan.zips).toEqual(['esawo12e.zip']);
    const all = [...english.zips, ...french.zips, ...scan.zips];
    expect(new Set(all).size).toBe(3);
    for (const zip of all) expect(zip).toMatch(/^es[a-z0-9]{3}12e\.zip$/);

    const prefixes = await app.context.db('release_zip_prefixes').whereIn('releaseId', [english.id, french.id, scan.id]).select('prefix', 'year');
    expect(new Set(prefixes.map((p) => p.prefix)).size).toBe(3);
    expect(prefixes.every((p) => p.year === new Date().getFullYear())).toBe(true);
  });

  it('gives a rerun its own names back, and two releases claiming one prefix at once different ones', async () => {
    const book = path.join(app.dataDir, 'shore.epub');
    await writeEpub(book, { title: 'The Farthest Shore', creators: [{ name: 'Ursula K. Le Guin', role: 'aut' }], date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt' });
    const upload = await uploaded(book);
    const first = await previewedAndPacked(upload, { group: 'ESP', proofUrl: PROOF });
    const second = await previewedAndPacked(upload, { group: 'ESP', proofUrl: PROOF, overrides: { language: 'de' } });
    const year = new Date().getFullYear();
    const names = { group: 'ESP', title: 'The Farthest Shore', year: 2012, format: 'epub' as const, volumes: 1 };
    const prefixOf = (variant: number) => volumeFileNames({ ...names, variant }).prefix;
    const zipsOfVariant = (variant: number) => volumeFileNames({ ...names, variant }).zips;

    // A rerun of either release claims again and gets the names it published.
    expect(zipsOfVariant(await claimZipVariant(first.id, year, prefixOf))).toEqual(first.zips);
    expect(zipsOfVariant(await claimZipVariant(second.id, year, prefixOf))).toEqual(second.zips);
    expect(zipsOfVariant(await claimZipVariant(second.id, year, prefixOf))).toEqual(second.zips);

    // Two more releases racing for the next free prefix end up with different ones.
    const racers = [(await previewedAndPacked(upload, { group: 'ESP', proofUrl: PROOF, overrides: { edition: 'Third' } })).id];
    racers.push((await previewedAndPacked(upload, { group: 'ESP', proofUrl: PROOF, overrides: { edition: 'Fourth' } })).id);
    await app.context.db('release_zip_prefixes').whereIn('releaseId', racers).delete();
    const free = await freeZipVariant(undefined, year, prefixOf);
    const claimed = await Promise.all(racers.map((id) => claimZipVariant(id, year, prefixOf)));
    expect(claimed).toContain(free);
    expect(new Set(claimed).size).toBe(2);
    // Another year is another namespace: the classic names are free there.
    expect(await freeZipVariant(undefined, year + 1, prefixOf)).toBe(0);
    // More variants taken than the first few looked up by key: the year's whole list decides, in
    // order (here the first 20 variants all name the classic prefix, which the first release holds).
    const crowded = (variant: number) => (variant < 20 ? prefixOf(0) : prefixOf(variant));
    expect(await freeZipVariant(undefined, year, crowded)).toBe(20);
    expect(await freeZipVariant(first.id, year, crowded)).toBe(0);
  });
});
