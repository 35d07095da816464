import type { BookFormat } from '../../metadata/embedded';
import { sceneWords } from './scene-words';

const FORMAT_LETTER: Record<BookFormat, string> = { epub: 'e', pdf: 'p', mobi: 'm', azw3: 'k', prc: 'r', cbz: 'c' };
export const MAX_BOOK_FILE_NAME = 140;

/**
 * 8.3 names in the classic style: group initials + title initials + two-digit year + format
 * letter, e.g. kE's "Systems Programming" (2015, EPUB) -> kesp15e?. With several volumes the
 * last two characters become the volume number: kesp1501.zip ... kesp1512.zip.
 */
export function volumeFileNames(input: { group: string; title: string; year: number; format: BookFormat; volumes: number }): string[] {
  const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const words = sceneWords(input.title).map(alnum).filter(Boolean);
  const initials = words.map((w) => w[0]).join('').slice(0, 3);
  const filler = words.join('') + 'xxxxxxxx';
  const base = `${alnum(input.group).slice(0, 2)}${initials}${String(input.year).slice(-2)}${FORMAT_LETTER[input.format]}`;
  const name8 = (base + filler).slice(0, 8);
  if (input.volumes === 1) return [`${name8}.zip`];
  return Array.from({ length: input.volumes }, (_, i) => `${name8.slice(0, 6)}${String(i + 1).padStart(2, '0')}.zip`);
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
