import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { DrmProtectedError } from './drm';
import { readBook } from './read-book';
import { RejectedFileError } from './rejected-file-error';
import { writeEpub, writeMobi, writePdf } from './fixtures/books';
import { XML_ATTACKS } from './fixtures/xml-attacks';

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
    expect(await readBook(file('comic.cbz'))).toMatchObject({
      format: 'cbz',
      title: 'Saga',
      subtitle: 'Issue One',
      seriesIndex: '1',
      kind: 'comic',
      authors: ['Brian K. Vaughan'],
      year: 2012,
      pages: 2,
    });
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

  it('refuses package documents that declare entities, for good, in words a user understands', async () => {
    for (const [name, doctype] of Object.entries(XML_ATTACKS)) {
      for (const where of ['opf', 'container'] as const) {
        await writeEpub(file(`${name}-${where}.epub`), { prologue: { [where]: doctype } });
        const refusal = await readBook(file(`${name}-${where}.epub`)).catch((err: unknown) => err);
        expect(refusal).toBeInstanceOf(RejectedFileError);
        const document = where === 'opf' ? 'package document' : 'container.xml';
        expect((refusal as Error).message).toBe(`the EPUB's ${document} declares entities, which eBooks never need`);
      }
    }
    // A DOCTYPE that only names its DTD (OEB 1.x packages have one) declares nothing and is read.
    await writeEpub(file('oeb.epub'), { prologue: { opf: '<!DOCTYPE package PUBLIC "+//ISBN 0-9673008-1-9//DTD OEB 1.0.1 Package//EN" "http://openebook.org/dtds/oeb-1.0.1/oebpkg101.dtd">\n' } });
    expect(await readBook(file('oeb.epub'))).toMatchObject({ title: 'A Wizard of Earthsea' });
  });

  describe('refuses DRM-protected books, naming the protection', () => {
    const encryptionXml = (algorithm: string, uri = 'OEBPS/ch1.xhtml') =>
      `<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:EncryptionMethod Algorithm="${algorithm}"/><enc:CipherData><enc:CipherReference URI="${uri}"/></enc:CipherData></enc:EncryptedData></encryption>`;
    const refusalOf = async (name: string) => {
      const refusal = await readBook(file(name)).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(DrmProtectedError);
      expect(refusal).toBeInstanceOf(RejectedFileError);
      return (refusal as Error).message;
    };

    it('EPUB: Adobe rights.xml, Apple sinf.xml, encryption.xml beyond font obfuscation', async () => {
      await writeEpub(file('adept.epub'), { extraFiles: { 'META-INF/rights.xml': '<rights xmlns="http://ns.adobe.com/adept"/>', 'META-INF/encryption.xml': encryptionXml('http://www.w3.org/2001/04/xmlenc#aes128-cbc') } });
      expect(await refusalOf('adept.epub')).toBe('the book is DRM-protected (Adobe ADEPT, META-INF/rights.xml); the rules do not allow DRM-protected files');
      await writeEpub(file('fairplay.epub'), { extraFiles: { 'META-INF/sinf.xml': '<fairplay:sinf xmlns:fairplay="http://itunes.apple.com/ns/epub"/>' } });
      expect(await refusalOf('fairplay.epub')).toMatch(/\(Apple FairPlay, META-INF\/sinf\.xml\)/);
      await writeEpub(file('aes.epub'), { extraFiles: { 'META-INF/encryption.xml': encryptionXml('http://www.w3.org/2001/04/xmlenc#aes256-cbc') } });
      expect(await refusalOf('aes.epub')).toMatch(/\(META-INF\/encryption\.xml encrypts 1 file\(s\) with http:\/\/www\.w3\.org\/2001\/04\/xmlenc#aes256-cbc\)/);
    });

    it('EPUB: font obfuscation alone (IDPF or Adobe) is not DRM and the book is read', async () => {
      for (const algorithm of ['http://www.idpf.org/2008/embedding', 'http://ns.adobe.com/pdf/enc#RC']) {
        await writeEpub(file('fonts.epub'), { extraFiles: { 'META-INF/encryption.xml': encryptionXml(algorithm, 'OEBPS/fonts/a.otf') } });
        expect(await readBook(file('fonts.epub'))).toMatchObject({ format: 'epub', title: 'A Wizard of Earthsea' });
      }
    });

    it('MOBI/AZW: a non-zero encryption type in the header', async () => {
      for (const type of [1, 2]) {
        writeMobi(file('drm.azw'), { author: 'Hilary Mantel', title: 'Wolf Hall' }, type);
        expect(await refusalOf('drm.azw')).toBe(`the book is DRM-protected (Mobipocket encryption type ${type} in the MOBI header); the rules do not allow DRM-protected files`);
      }
    });

    it('PDF: an encryption dictionary, whether or not a password is needed to open it', async () => {
      writePdf(file('restricted.pdf'), { title: 'The Hobbit', encrypt: { ownerPassword: 'owner' } });
      expect(execFileSync('pdfinfo', [file('restricted.pdf')]).toString()).toMatch(/^Encrypted:\s+yes/m);
      expect(await refusalOf('restricted.pdf')).toMatch(/^the book is DRM-protected \(PDF encryption dictionary: print:yes copy:no .*algorithm:RC4\)/);
      writePdf(file('locked.pdf'), { title: 'The Hobbit', encrypt: { ownerPassword: 'owner', userPassword: 'secret' } });
      expect(await refusalOf('locked.pdf')).toBe('the book is DRM-protected (PDF encryption with a password needed to open it); the rules do not allow DRM-protected files');
    });
  });
});

