import { cleanText, EmbeddedMetadata, uniqueNonEmpty } from '../../lib/domain/embedded-metadata';
import { normalizeLanguage } from '../metadata/language';
import { child, parseXml, textOf } from './xml';
import type { ZipReader } from './zip-reader';

export const IMAGE_ENTRY = /\.(jpe?g|png|gif|webp|avif|bmp|tiff?)$/i;

/** Comic book archives: page count from the images, the rest from ComicInfo.xml when present. */
export async function readCbzMetadata(zip: ZipReader): Promise<EmbeddedMetadata> {
  const pages = zip.names.filter((n) => IMAGE_ENTRY.test(n)).length;
  const infoName = zip.names.find((n) => n.toLowerCase() === 'comicinfo.xml');
  const info = infoName ? child(parseXml((await zip.read(infoName, 1024 * 1024))!, "the comic's ComicInfo.xml"), 'ComicInfo') : undefined;
  const field = (name: string) => cleanText(textOf(child(info, name)));
  const year = Number(field('Year'));
  return {
    format: 'cbz',
    title: field('Title') ?? field('Series'),
    authors: uniqueNonEmpty((field('Writer') ?? '').split(',').map((w) => cleanText(w))),
    publisher: field('Publisher'),
    year: Number.isInteger(year) && year > 1000 ? year : undefined,
    date: field('Year'),
    language: normalizeLanguage(field('LanguageISO')),
    identifiers: [],
    series: field('Series'),
    seriesIndex: field('Number'),
    description: field('Summary'),
    pages: Number(field('PageCount')) || pages,
  };
}
