import type { BookFormat } from '../../../lib/domain/embedded-metadata';
import { sceneWords } from './scene-words';

const FORMAT_LETTER: Record<BookFormat, string> = { epub: 'e', pdf: 'p', mobi: 'm', azw3: 'k', prc: 'r', cbz: 'c' };
export const MAX_BOOK_FILE_NAME = 140;

/**
 * 8.3 names in the classic style: group initials + title initials + two-digit year + format
 * letter, e.g. group ESP, "A Wizard of Earthsea" (2012, EPUB) -> esawo12e.zip. With several
 * volumes the name keeps six characters and adds the volume number: esaw1201.zip, esaw1202.zip.
 * The NFO takes the same stem (esawo12e.nfo, esaw12.nfo).
 */
export function volumeFileNames(input: { group: string; title: string; year: number; format: BookFormat; volumes: number }): {
  zips: string[];
  nfo: string;
} {
  const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const words = sceneWords(input.title).map(alnum).filter(Boolean);
  const initials = words.map((w) => w[0]).join('');
  const filler = `${words.join('')}xxxxxxxx`;
  const group = alnum(input.group).slice(0, 2);
  const year = String(input.year).slice(-2);
  if (input.volumes === 1) {
    const stem = `${group}${initials.slice(0, 3)}${year}${FORMAT_LETTER[input.format]}${filler}`.slice(0, 8);
    return { zips: [`${stem}.zip`], nfo: `${stem}.nfo` };
  }
  const stem = `${group}${(initials + filler).slice(0, 2)}${year}`.slice(0, 6);
  return {
    zips: Array.from({ length: input.volumes }, (_, i) => `${stem}${String(i + 1).padStart(2, '0')}.zip`),
    nfo: `${stem}.nfo`,
  };
}

/** The book's file name inside the zips (parts get .001, .002 ...), within the 140-character limit. */
export function bookFileName(releaseName: string, format: BookFormat, volumes: number): string {
  const extension = format === 'prc' ? 'prc' : format;
  const partSuffix = volumes > 1 ? '.000'.length : 0;
  const stem = releaseName.slice(0, MAX_BOOK_FILE_NAME - extension.length - 1 - partSuffix).replace(/[.-]+$/, '');
  return `${stem}.${extension}`;
}

export function partFileName(bookName: string, volume: number, volumes: number): string {
  return volumes === 1 ? bookName : `${bookName}.${String(volume).padStart(3, '0')}`;
}
