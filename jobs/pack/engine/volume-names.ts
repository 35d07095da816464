import type { BookFormat } from '../../../lib/domain/embedded-metadata';
import { sceneWords } from './scene-words';

const FORMAT_LETTER: Record<BookFormat, string> = { epub: 'e', pdf: 'p', mobi: 'm', azw3: 'k', prc: 'r', cbz: 'c' };
export const MAX_BOOK_FILE_NAME = 140;

/** How many variants of a release's zip names there are (two base-36 characters). */
export const ZIP_VARIANTS = 36 * 36;

export interface VolumeNamesInput {
  group: string;
  title: string;
  year: number;
  format: BookFormat;
  volumes: number;
  /**
   * 0 for the classic name; 1 and up put a two-character code in place of title initials, so a
   * release whose classic names another release of the year already holds gets its own (rule 3.0).
   */
  variant?: number;
}

/**
 * 8.3 names in the classic style: group initials + title initials + two-digit year + format
 * letter, e.g. group ESP, "A Wizard of Earthsea" (2012, EPUB) -> esawo12e.zip. With several
 * volumes the name keeps six characters and adds the volume number: esaw1201.zip, esaw1202.zip.
 * The NFO takes the same stem (esawo12e.nfo, esaw12.nfo). Every zip of a release starts with its
 * `prefix` (the first six characters), so releases with different prefixes never share a zip name.
 */
export function volumeFileNames(input: VolumeNamesInput): { zips: string[]; nfo: string; prefix: string } {
  const alnum = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  const words = sceneWords(input.title).map(alnum).filter(Boolean);
  const initials = words.map((w) => w[0]).join('');
  const filler = `${words.join('')}xxxxxxxx`;
  const group = alnum(input.group).slice(0, 2).padEnd(2, 'x');
  const year = String(input.year).slice(-2);
  const variant = input.variant ? variantCode(input.variant) : undefined;
  if (input.volumes === 1) {
    const title = variant ? `${(initials + filler)[0]}${variant}` : initials.slice(0, 3);
    const stem = `${group}${title}${year}${FORMAT_LETTER[input.format]}${filler}`.slice(0, 8);
    return { zips: [`${stem}.zip`], nfo: `${stem}.nfo`, prefix: stem.slice(0, 6) };
  }
  const stem = `${group}${variant ?? (initials + filler).slice(0, 2)}${year}`.slice(0, 6);
  return {
    zips: Array.from({ length: input.volumes }, (_, i) => `${stem}${String(i + 1).padStart(2, '0')}.zip`),
    nfo: `${stem}.nfo`,
    prefix: stem,
  };
}

function variantCode(variant: number): string {
  if (!Number.isInteger(variant) || variant < 1 || variant >= ZIP_VARIANTS) throw new RangeError(`zip name variant ${variant} is outside 1..${ZIP_VARIANTS - 1}`);
  return variant.toString(36).padStart(2, '0');
}

/** The book's file name inside the zips (parts get .001, .002 ...), within the 140-character limit. */
export function bookFileName(releaseName: string, format: BookFormat, volumes: number): string {
  const partSuffix = volumes > 1 ? '.000'.length : 0;
  const stem = releaseName.slice(0, MAX_BOOK_FILE_NAME - format.length - 1 - partSuffix).replace(/[.-]+$/, '');
  return `${stem}.${format}`;
}

export function partFileName(bookName: string, volume: number, volumes: number): string {
  return volumes === 1 ? bookName : `${bookName}.${String(volume).padStart(3, '0')}`;
}
