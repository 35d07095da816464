import type { BookKind } from './naming-style';
import { CONTROL_CHARACTER } from './control-characters';

/** What an eBook file says about itself, normalised across formats. */
export const BOOK_FORMATS = ['epub', 'pdf', 'mobi', 'azw3', 'prc', 'cbz'] as const;
export type BookFormat = (typeof BOOK_FORMATS)[number];

export interface EmbeddedMetadata {
  format: BookFormat;
  formatVersion?: string;
  title?: string;
  subtitle?: string;
  authors: string[];
  publisher?: string;
  /** As written in the file (free text). */
  date?: string;
  year?: number;
  /** ISO 639-1 where the file gives a recognisable code, else detected from its text. */
  language?: string;
  /** Set when `language` was detected from the text rather than declared, with the detector's confidence (0..1). */
  languageDetected?: { confidence: number };
  /** ISBN-13 of the first valid ISBN found. */
  isbn?: string;
  identifiers: { type: string; value: string }[];
  series?: string;
  seriesIndex?: string;
  /** A magazine, comic or manga as the file declares it (ComicInfo.xml); a plain book when absent. */
  kind?: Exclude<BookKind, 'book'>;
  description?: string;
  pages?: number;
}

const PLACEHOLDERS = new Set(['unknown', 'n/a', 'na', 'none', 'untitled', 'anonymous', 'unbekannt', 'inconnu', '-', '']);
/**
 * An e-mail address, `<>` around it or not. It starts only at a `<` or where no address character
 * comes before: tried from every letter of a long word, the scan for its `@` made one hostile
 * 40,000-letter title cost seconds.
 */
const EMAIL = /(?:<|(?<![\w.+<-]))[\w.+-]+@[\w-]+(\.[\w-]+)+>?/g;

/**
 * The longest text kept of one metadata field: room for any real title, name or description; a
 * crafted book's 200,000-character title would otherwise reach every name, NFO and preview.
 */
export const MAX_FIELD_CHARS = 10_000;

/** Trims, collapses spaces, strips e-mail addresses, drops placeholders such as "Unknown", and keeps at most MAX_FIELD_CHARS. */
/** Every terminal control character: a book's or a catalogue's text reaches the NFO, which terminals show. */
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');

export function cleanText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = leadingChars(String(value), MAX_FIELD_CHARS).replace(EMAIL, ' ').replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  return PLACEHOLDERS.has(text.toLowerCase()) ? undefined : text;
}

/** Plain text from an HTML description. */
export function stripHtml(html: string | undefined): string | undefined {
  if (!html) return undefined;
  return cleanText(
    withoutTags(html.replace(/<br\s*\/?>|<\/p>/gi, '\n'))
      .replace(/&nbsp;/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'"),
  );
}

/** The text's first `max` characters, never splitting a surrogate pair. */
export function leadingChars(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, /[\uD800-\uDBFF]/.test(text[max - 1]) ? max - 1 : max);
}

/** Text without its `<...>` tags. Past the last `>` there are none: there, `<[^>]+>` would rescan to the end for every `<`. */
export function withoutTags(text: string): string {
  const end = text.lastIndexOf('>') + 1;
  return text.slice(0, end).replace(/<[^>]+>/g, '') + text.slice(end);
}

/** The year in a free-form date ("2011", "2011-05-03", "October 1, 1988", "D:20110503..."). */
export function yearOf(date: string | undefined): number | undefined {
  const match = date?.match(/(?:^|\D)(1[4-9]\d\d|20\d\d)(?:\D|$)/) ?? date?.match(/^D:(\d{4})/);
  const year = match ? Number(match[1]) : NaN;
  return Number.isFinite(year) ? year : undefined;
}

/** "Le Guin, Ursula K." -> "Ursula K. Le Guin"; names without a single comma are kept. */
export function naturalName(name: string): string {
  const parts = name.split(',').map((p) => p.trim());
  return parts.length === 2 && parts[0] && parts[1] && !/\b(jr|sr|ii|iii)\.?$/i.test(parts[1]) ? `${parts[1]} ${parts[0]}` : name;
}

export function uniqueNonEmpty(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => Boolean(v)))];
}
