import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { readBook } from './read-book';
import { writeEpub, writeMobi, writePdf } from './fixtures/books';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-inspect-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

function writeZip(target: string, entries: Record<string, string>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  return new Promise((resolve) => zip.outputStream.pipe(fs.createWriteStream(target)).on('close', resolve));
}

describe('readBook', () => {
  it('reads an EPUB 3 (refines roles, urn:isbn identifier) that epubcheck accepts', async () => {
    await writeEpub(file('ws3.epub'), {
      isbn: '978-0-547-92822-7',
      creators: [{ name: 'Le Guin, Ursula K.', role: 'aut' }, { name: 'Ruth Robbins', role: 'ill' }],
      date: '2012-09-18',
      publisher: 'Houghton Mifflin Harcourt',
      language: 'en-US',
      description: '&lt;p&gt;A boy &amp;amp; his &lt;b&gt;magic&lt;/b&gt;.&lt;/p&gt;',
    });
    execFileSync('java', ['-jar', '/usr/bin/epubcheck', file('ws3.epub')], { stdio: 'pipe' });
    expect(await readBook(file('ws3.epub'))).toMatchObject({
      format: 'epub',
      formatVersion: '3.0',
      title: 'A Wizard of Earthsea',
      authors: ['Ursula K. Le Guin'],
      publisher: 'Houghton Mifflin Harcourt',
      year: 2012,
      language: 'en',
      isbn: '9780547928227',
      description: 'A boy & his magic.',
    });
  });

  it('reads an EPUB 2 with opf: prefixes, opf:scheme ISBN-10, calibre series, placeholders and e-mails', async () => {
    await writeEpub(file('ws2.epub'), {
      version: '2.0',
      prefixed: true,
      title: 'Fördömda själar',
      isbn: '0-14-032872-X',
      creators: [{ name: 'Unknown' }, { name: 'Anna Svensson &lt;anna@example.se&gt;', role: 'aut' }],
      language: 'swe',
      date: '1988',
      series: { name: 'Mörkret', index: '2' },
    });
    const metadata = await readBook(file('ws2.epub'));
    expect(metadata).toMatchObject({
      format: 'epub',
      formatVersion: '2.0',
      title: 'Fördömda själar',
      authors: ['Anna Svensson'],
      language: 'sv',
      year: 1988,
      series: 'Mörkret',
      seriesIndex: '2',
    });
    // 0-14-032872-X has a wrong check digit: it is kept as an identifier but not as the ISBN.
    expect(metadata.isbn).toBeUndefined();
    expect(metadata.identifiers).toContainEqual({ type: 'ISBN', value: '0-14-032872-X' });
  });

  it('reads a PDF info dictionary and finds the ISBN printed on the first page', async () => {
    writePdf(file('book.pdf'), { title: 'The Hobbit', author: 'J. R. R. Tolkien', subject: 'Fantasy' });
    expect(await readBook(file('book.pdf'))).toMatchObject({
      format: 'pdf',
      title: 'The Hobbit',
      authors: ['J. R. R. Tolkien'],
      year: 2012,
      isbn: '9780547928227',
      pages: 1,
    });
  });

  it('reads MOBI/KF8 EXTH records', async () => {
    writeMobi(file('book.azw3'), { author: 'Mantel, Hilary', title: 'Wolf Hall', isbn: '9780007230181', publisher: 'Fourth Estate', date: '2010-01-01', language: 'da' });
    expect(await readBook(file('book.azw3'))).toMatchObject({
      format: 'azw3',
      title: 'Wolf Hall',
      authors: ['Hilary Mantel'],
      publisher: 'Fourth Estate',
      year: 2010,
      language: 'da',
      isbn: '9780007230181',
    });
  });

  it('reads a CBZ with ComicInfo.xml', async () => {
    await writeZip(file('comic.cbz'), {
      'ComicInfo.xml': '<ComicInfo><Title>Issue One</Title><Series>Saga</Series><Number>1</Number><Writer>Brian K. Vaughan</Writer><Year>2012</Year><LanguageISO>en</LanguageISO></ComicInfo>',
      'p001.jpg': 'jpeg',
      'p002.jpg': 'jpeg',
    });
    expect(await readBook(file('comic.cbz'))).toMatchObject({ format: 'cbz', title: 'Issue One', authors: ['Brian K. Vaughan'], year: 2012, pages: 2 });
  });

  it('judges by bytes, not names, and says what a rejected file is', async () => {
    fs.writeFileSync(file('fake.epub'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    await expect(readBook(file('fake.epub'))).rejects.toThrow('not an eBook: the content is a PNG image');
    fs.writeFileSync(file('notes.pdf'), 'just some text\n');
    await expect(readBook(file('notes.pdf'))).rejects.toThrow('not an eBook: the content is plain text or markup');
    fs.writeFileSync(file('empty.epub'), '');
    await expect(readBook(file('empty.epub'))).rejects.toThrow('the file is empty');
    await writeZip(file('docs.zip'), { 'a.txt': 'x', 'b.doc': 'y' });
    await expect(readBook(file('docs.zip'))).rejects.toThrow('neither an EPUB nor a comic book');
  });

  it('rejects malformed EPUBs and PDFs with a reason instead of crashing', async () => {
    await writeZip(file('noopf.epub'), { mimetype: 'application/epub+zip', 'META-INF/container.xml': '<container><rootfiles><rootfile full-path="missing.opf"/></rootfiles></container>' });
    await expect(readBook(file('noopf.epub'))).rejects.toThrow('EPUB package document missing.opf is missing');
    const good = fs.readFileSync(file('ws3.epub'));
    fs.writeFileSync(file('truncated.epub'), good.subarray(0, Math.floor(good.length / 2)));
    await expect(readBook(file('truncated.epub'))).rejects.toThrow(/damaged ZIP container/);
    fs.writeFileSync(file('broken.pdf'), '%PDF-1.4\n1 0 obj << garbage');
    await expect(readBook(file('broken.pdf'))).rejects.toThrow(/damaged PDF/);
  });
});
