import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yazl from 'yazl';
import { detectContainer, zipBookFormat } from '../../jobs/inspect/detect-format';
import { RejectedFileError } from '../../jobs/inspect/rejected-file-error';
import { openZip } from '../../jobs/inspect/zip-reader';

/**
 * The first gate of every upload: the container is told by its bytes, never its name, and what is
 * not an eBook is refused naming what it is. Real files written to a temp folder, real ZIPs.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-detect-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(bytes: Buffer | string): string {
  const target = path.join(dir, `f${++n}.epub`);
  fs.writeFileSync(target, bytes);
  return target;
}

async function zipOf(entries: [name: string, data: string][]): Promise<string> {
  const target = path.join(dir, `z${++n}.zip`);
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) {
    if (name.endsWith('/')) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.from(data), name);
  }
  zip.end();
  await new Promise<void>((resolve, reject) => zip.outputStream.pipe(fs.createWriteStream(target)).on('close', () => resolve()).on('error', reject));
  return target;
}

async function formatOf(entries: [string, string][]) {
  const zip = await openZip(await zipOf(entries));
  try {
    return await zipBookFormat(zip);
  } finally {
    zip.close();
  }
}

const palm = (type: string) => Buffer.concat([Buffer.alloc(60), Buffer.from(type, 'latin1'), Buffer.alloc(40)]);

describe('detectContainer', () => {
  it('finds a PDF header, also after a little junk', async () => {
    expect(await detectContainer(file('%PDF-1.7\n'))).toBe('pdf');
    expect(await detectContainer(file(Buffer.concat([Buffer.alloc(500, 0x20), Buffer.from('%PDF-1.4')])))).toBe('pdf');
  });

  it('finds a ZIP by its local header, and PalmDB books by their type', async () => {
    expect(await detectContainer(file(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0])))).toBe('zip');
    expect(await detectContainer(file(palm('BOOKMOBI')))).toBe('palmdb');
    expect(await detectContainer(file(palm('TEXtREAd')))).toBe('palmdb');
    await expect(detectContainer(file(Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0])))).rejects.toThrow(RejectedFileError);
    await expect(detectContainer(file(palm('BOOKMOBX')))).rejects.toThrow('not an eBook: the content is of an unknown type');
  });

  it.each([
    ['89504e470d0a1a0a00', 'a PNG image'],
    ['ffd8ffe000', 'a JPEG image'],
    ['4749463839610000', 'a GIF image'],
    ['526172211a0700', 'a RAR archive'],
    ['377abcaf271c0004', 'a 7-Zip archive'],
    ['1f8b080000', 'a gzip file'],
    ['7f454c4602010100', 'an executable (ELF)'],
    ['4d5a900003', 'a Windows executable'],
    ['d0cf11e0a1b11ae100', 'an old Microsoft Office document'],
  ])('names %s as %s', async (hex, what) => {
    await expect(detectContainer(file(Buffer.from(hex, 'hex')))).rejects.toThrow(new RejectedFileError(`not an eBook: the content is ${what}`));
  });

  it('tells text from unknown binary, and refuses an empty file', async () => {
    await expect(detectContainer(file('<html>a novel</html>'))).rejects.toThrow(new RejectedFileError('not an eBook: the content is plain text or markup'));
    await expect(detectContainer(file(Buffer.from([1, 2, 0, 3])))).rejects.toThrow(new RejectedFileError('not an eBook: the content is of an unknown type'));
    await expect(detectContainer(file(''))).rejects.toThrow(new RejectedFileError('the file is empty'));
  });
});

describe('zipBookFormat', () => {
  it('calls a ZIP an EPUB by its mimetype entry (padded or not) or by META-INF/container.xml', async () => {
    expect(await formatOf([['mimetype', 'application/epub+zip']])).toBe('epub');
    expect(await formatOf([['mimetype', '  application/epub+zip\n']])).toBe('epub');
    expect(await formatOf([['META-INF/container.xml', '<container/>'], ['a.txt', 'x']])).toBe('epub');
    await expect(formatOf([['mimetype', 'application/zip'], ['a.txt', 'x']])).rejects.toThrow(RejectedFileError);
  });

  it('calls a ZIP of images (at least 80% of its files, extras and folders aside) a CBZ', async () => {
    expect(await formatOf([['01.jpg', 'x'], ['02.PNG', 'x'], ['ComicInfo.xml', '<c/>'], ['sub/Thumbs.db', 'x'], ['.hidden', 'x'], ['pages/', '']])).toBe('cbz');
    expect(await formatOf([['1.jpg', 'x'], ['2.jpg', 'x'], ['3.jpg', 'x'], ['4.jpg', 'x'], ['notes.txt', 'x']])).toBe('cbz');
    await expect(formatOf([['1.jpg', 'x'], ['2.jpg', 'x'], ['3.jpg', 'x'], ['a.txt', 'x'], ['b.txt', 'x']])).rejects.toThrow(
      new RejectedFileError('not an eBook: a ZIP archive that is neither an EPUB nor a comic book (CBZ)'),
    );
    await expect(formatOf([['ComicInfo.xml', '<c/>'], ['pages/', '']])).rejects.toThrow(RejectedFileError);
    await expect(formatOf([['readme.md', 'x']])).rejects.toThrow(RejectedFileError);
    // A dot file is an extra only as a whole name, not a name with a dot in a folder.
    await expect(formatOf([['1.jpg', 'x'], ['a.b/c.txt', 'x'], ['d.txt', 'x']])).rejects.toThrow(RejectedFileError);
  });
});
