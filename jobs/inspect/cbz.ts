import { cleanText, EmbeddedMetadata, uniqueNonEmpty } from '../../lib/domain/embedded-metadata';
import { normalizeLanguage } from '../metadata/language';
import { child, parseXml, textOf } from './xml';
import type { ZipReader } from './zip-reader';

export const IMAGE_ENTRY = /\.(jpe?g|png|gif|webp|avif|bmp|tiff?)$/i;

/**
 * Comic book archives: page count from the images, the rest from ComicInfo.xml when present.
 * A CBZ is a comic (rule 5.2), or a manga (rule 5.3) when ComicInfo says Manga=Yes or
 * YesAndRightToLeft. An issue of a series is named by the series, its own title kept as subtitle.
 */
export async function readCbzMetadata(zip: ZipReader): Promise<EmbeddedMetadata> {
  const pages = zip.names.filter((n) => IMAGE_ENTRY.test(n)).length;
  const infoName = zip.names.find((n) => n.toLowerCase() === 'comicinfo.xml');
  const info = infoName ? child(parseXml((await zip.read(infoName, 1024 * 1024))!, "the comic's ComicInfo.xml"), 'ComicInfo') : undefined;
  const field = (name: string) => cleanText(textOf(child(info, name)));
  const year = Number(field('Year'));
  const series = field('Series');
  const issue = field('Number');
  const ownTitle = field('Title');
  const byIssue = Boolean(series && issue);
  return {
    format: 'cbz',
    title: byIssue ? series : (ownTitle ?? series),
    subtitle: byIssue && ownTitle !== series ? ownTitle : undefined,
    authors: uniqueNonEmpty((field('Writer') ?? '').split(',').map((w) => cleanText(w))),
    publisher: field('Publisher'),
    year: Number.isInteger(year) && year > 1000 ? year : undefined,
    date: issueDate(field('Year'), field('Month'), field('Day')),
    language: normalizeLanguage(field('LanguageISO')),
    identifiers: [],
    series,
    seriesIndex: issue,
    kind: /^yes/i.test(field('Manga') ?? '') ? 'manga' : 'comic',
    description: field('Summary'),
    pages: Number(field('PageCount')) || pages,
  };
}

/** `2008`, `2008-03` or `2008-03-15` from ComicInfo's Year, Month and Day (out-of-range parts dropped). */
function issueDate(year?: string, month?: string, day?: string): string | undefined {
  if (!year || !/^\d{4}$/.test(year)) return undefined;
  const two = (value: string | undefined, max: number) => {
    const n = Number(value);
    return Number.isInteger(n) && n >= 1 && n <= max ? String(n).padStart(2, '0') : undefined;
  };
  const mm = two(month, 12);
  const dd = mm && two(day, 31);
  return [year, mm, dd].filter(Boolean).join('-');
}
