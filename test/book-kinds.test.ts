import fs from 'node:fs';
import path from 'node:path';
import yazl from 'yazl';
import { writeEpub, writePdf } from '../jobs/inspect/fixtures/books';
import { decodeCp437 } from '../jobs/pack/engine/cp437';
import { as, Caller, PipelineWorld, startPipelineWorld } from './support/pipeline-world';
import type { TestApp } from './support/test-app';

/**
 * Magazines, comics and manga (rules 5.1-5.3) and scans (rule 5.0) through the real pipeline: HTTP
 * upload, inspection and packing in a worker process, names and NFOs read from the published folder.
 */
let world: PipelineWorld<'operator'>;
let app: TestApp;
let operator: Caller;
const PROOF = 'https://books.example.test/proof';

beforeAll(async () => {
  world = await startPipelineWorld({ replay: ['googlebooks', 'openlibrary'], users: { operator: ['operator'] } });
  ({ app, users: { operator } } = world);
}, 90_000);
afterAll(() => world.close());

function writeCbz(target: string, comicInfo: string): Promise<void> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(comicInfo), 'ComicInfo.xml');
  for (const page of ['p001.jpg', 'p002.jpg', 'p003.jpg']) zip.addBuffer(Buffer.from(`jpeg ${page}`), page);
  zip.end();
  return new Promise((resolve) => zip.outputStream.pipe(fs.createWriteStream(target)).on('close', resolve));
}

const uploaded = (file: string) => world.upload(operator, file);

/** Requests the release, waits for it, and returns its name and published NFO text. */
async function packed(uploadId: string, options: Record<string, unknown>): Promise<{ name: string; nfo: string }> {
  const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options });
  expect(requested.status).toBe(202);
  const release = await world.waitForRelease(operator, requested.body.release.id);
  expect(release).toMatchObject({ state: 'done', error: null });
  const dir = path.join(app.config.storage.releasesDir, release.name);
  const nfoName = fs.readdirSync(dir).find((f) => f.endsWith('.nfo'))!;
  return { name: release.name, nfo: decodeCp437(fs.readFileSync(path.join(dir, nfoName))) };
}

const comicInfo = (fields: Record<string, string>) =>
  `<?xml version="1.0"?><ComicInfo>${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</ComicInfo>`;

describe('book kinds', () => {
  it('names a CBZ whose ComicInfo says Manga=YesAndRightToLeft as MANGA, by series and volume, with the issue date', async () => {
    const book = path.join(app.dataDir, 'yotsuba.cbz');
    await writeCbz(book, comicInfo({
      Series: 'Yotsuba', Number: '5', Title: 'Yotsuba and Summer', Writer: 'Kiyohiko Azuma', Publisher: 'Yen Press',
      Year: '2008', Month: '9', Day: '16', LanguageISO: 'en', Manga: 'YesAndRightToLeft',
    }));
    const { name, nfo } = await packed(await uploaded(book), { group: 'ESP', proofUrl: PROOF });
    expect(name).toBe('Kiyohiko.Azuma.Yotsuba.NR05.2008.RETAiL.MANGA.CBZ.eBook-ESP');
    expect(nfo).toMatch(/Issue\.*: NR05/);
    expect(nfo).toMatch(/Publish date\.*: 2008-09-16/);
  });

  it('names a CBZ without the Manga flag as COMiC, and the request may say otherwise', async () => {
    const book = path.join(app.dataDir, 'saga.cbz');
    await writeCbz(book, comicInfo({ Series: 'Saga', Number: '12', Title: 'Chapter Twelve', Writer: 'Brian K. Vaughan', Year: '2013', Month: '6', LanguageISO: 'en', Manga: 'No' }));
    const upload = await uploaded(book);
    expect((await packed(upload, { group: 'ESP', proofUrl: PROOF })).name).toBe('Brian.K.Vaughan.Saga.NR12.2013.RETAiL.COMiC.CBZ.eBook-ESP');
    expect((await packed(upload, { group: 'ESP', proofUrl: PROOF, kind: 'manga', issue: 'Vol. 13' })).name).toBe('Brian.K.Vaughan.Saga.NR13.2013.RETAiL.MANGA.CBZ.eBook-ESP');
  });

  it('names a magazine requested with its issue by title, NR tag and issue date (rule 5.1)', async () => {
    const book = path.join(app.dataDir, 'pcmag.pdf');
    writePdf(book, { pageText: 'Les meilleurs portables de 2008' });
    const overrides = { title: 'PC Magazine', publisher: 'Ziff Davis', language: 'fr', year: 2008, publishDate: '2008-03-01' };
    const { name, nfo } = await packed(await uploaded(book), { group: 'ESP', proofUrl: PROOF, kind: 'MAGAZINE', issue: '3', overrides });
    expect(name).toBe('PC.Magazine.NR03.2008.FRENCH.RETAiL.MAGAZiNE.eBook-ESP');
    expect(nfo).toMatch(/Issue\.*: NR03/);
    expect(nfo).toMatch(/Publish date\.*: 2008-03-01/);
    expect(nfo).toMatch(/Publisher\.*: Ziff Davis/);
  });

  it('refuses an unknown kind or an issue without a number as a validation error naming the field', async () => {
    const book = path.join(app.dataDir, 'kinds.epub');
    await writeEpub(book, { title: 'Kinds', publisher: 'Kind Press' });
    const upload = await uploaded(book);
    for (const [options, field] of [[{ group: 'ESP', kind: 'NEWSPAPER' }, 'kind'], [{ group: 'ESP', kind: 'MAGAZINE', issue: 'spring' }, 'issue']] as const) {
      const res = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: upload, options });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(res.body.error.details)).toContain(field);
    }
  });

  it("names a SCAN with the original year from the catalogue (rule 5.0), a RETAiL with the edition's", async () => {
    const book = path.join(app.dataDir, 'tales.epub');
    await writeEpub(book, { title: 'Tales from Earthsea', creators: [{ name: 'Ursula K. Le Guin', role: 'aut' }], date: '2018-03-06', publisher: 'Saga Press', language: 'en' });
    const upload = await uploaded(book);
    const preview = async (options: Record<string, unknown>) => (await app.http.post('/api/releases/preview').set(as(operator)).send({ uploadId: upload, options })).body.preview;
    // OpenLibrary's search answer says the work first came out in 2001.
    expect((await preview({ group: 'ESP', proofUrl: PROOF })).name).toBe('Ursula.K.Le.Guin.Tales.from.Earthsea.2018.RETAiL.ePub.eBook-ESP');
    const scan = await preview({ group: 'ESP', source: 'SCAN' });
    expect(scan.name).toBe('Ursula.K.Le.Guin.Tales.from.Earthsea.2001.SCAN.ePub.eBook-ESP');
    expect(scan.metadata.fields.originalYear).toMatchObject({ value: 2001, source: 'openlibrary' });
  });

  it('names a SCAN with the original year and publisher given on the request, and prints that publisher', async () => {
    const book = path.join(app.dataDir, 'wizard.epub');
    await writeEpub(book, { title: 'A Wizard of Earthsea', creators: [{ name: 'Ursula K. Le Guin', role: 'aut' }], date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt' });
    const { name, nfo } = await packed(await uploaded(book), { group: 'ESP', source: 'SCAN', overrides: { originalYear: 1968, originalPublisher: 'Parnassus Press' } });
    expect(name).toBe('Ursula.K.Le.Guin.A.Wizard.of.Earthsea.1968.SCAN.ePub.eBook-ESP');
    expect(nfo).toMatch(/Publisher\.*: Parnassus Press/);
  });
});
