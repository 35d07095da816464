import fsp from 'node:fs/promises';
import type { BookFormat } from '../../lib/domain/embedded-metadata';
import { IMAGE_ENTRY } from './cbz';
import { RejectedFileError } from './rejected-file-error';
import type { ZipReader } from './zip-reader';

export type Container = 'pdf' | 'zip' | 'palmdb';

/** Other common types, named in the rejection so the operator knows what they sent. */
const KNOWN_OTHERS: [RegExp | Buffer, string][] = [
  [Buffer.from('89504e470d0a1a0a', 'hex'), 'a PNG image'],
  [Buffer.from('ffd8ff', 'hex'), 'a JPEG image'],
  [Buffer.from('GIF8'), 'a GIF image'],
  [Buffer.from('Rar!'), 'a RAR archive'],
  [Buffer.from('377abcaf271c', 'hex'), 'a 7-Zip archive'],
  [Buffer.from('1f8b', 'hex'), 'a gzip file'],
  [Buffer.from('7f454c46', 'hex'), 'an executable (ELF)'],
  [Buffer.from('MZ'), 'a Windows executable'],
  [Buffer.from('d0cf11e0a1b11ae1', 'hex'), 'an old Microsoft Office document'],
];

/** How many bytes from the start of a file `containerOf` looks at. */
export const HEAD_BYTES = 1024;

/** The container kind from the first bytes, never from the file name. */
export async function detectContainer(filePath: string): Promise<Container> {
  const handle = await fsp.open(filePath, 'r');
  const head = Buffer.alloc(HEAD_BYTES);
  const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
  return containerOf(head.subarray(0, bytesRead));
}

/** The container kind of a file from its first `HEAD_BYTES` bytes (fewer only when it is shorter). */
export function containerOf(bytes: Buffer): Container {
  if (bytes.length === 0) throw new RejectedFileError('the file is empty');
  // The PDF header may follow a little junk; readers accept it within the first 1024 bytes.
  if (bytes.indexOf('%PDF-') !== -1) return 'pdf';
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  const palmType = bytes.toString('latin1', 60, 68);
  if (palmType === 'BOOKMOBI' || palmType === 'TEXtREAd') return 'palmdb';
  const other = KNOWN_OTHERS.find(([magic]) => Buffer.isBuffer(magic) && bytes.subarray(0, magic.length).equals(magic));
  const looksText = !bytes.includes(0);
  throw new RejectedFileError(`not an eBook: the content is ${other?.[1] ?? (looksText ? 'plain text or markup' : 'of an unknown type')}`);
}

/** Tells EPUB from CBZ inside a ZIP: the OCF mimetype or container.xml, or a ZIP of images. */
export async function zipBookFormat(zip: ZipReader): Promise<Extract<BookFormat, 'epub' | 'cbz'>> {
  const mimetype = (await zip.read('mimetype', 256))?.toString('ascii').trim();
  if (mimetype === 'application/epub+zip' || zip.names.includes('META-INF/container.xml')) return 'epub';
  const files = zip.names.filter((n) => !n.endsWith('/') && !/(^|\/)(comicinfo\.xml|thumbs\.db|\.[^/]*)$/i.test(n));
  const images = files.filter((n) => IMAGE_ENTRY.test(n));
  if (images.length > 0 && images.length >= files.length * 0.8) return 'cbz';
  throw new RejectedFileError('not an eBook: a ZIP archive that is neither an EPUB nor a comic book (CBZ)');
}
