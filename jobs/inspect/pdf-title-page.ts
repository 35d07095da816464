import { isPersonalName, splitAuthors } from '../metadata/authors';
import { meaningful } from '../metadata/junk';

/** One printed line of a page with the height of its type (PDF points). */
export interface PrintedLine {
  text: string;
  height: number;
  top: number;
}

const LINE = /<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([\s\S]*?)<\/line>/g;
const WORD = /<word[^>]*>([\s\S]*?)<\/word>/g;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };

/** Lines of `pdftotext -bbox-layout` output (XHTML), top to bottom. */
export function printedLines(bboxXhtml: string): PrintedLine[] {
  const lines: PrintedLine[] = [];
  for (const [, yMin, yMax, body] of bboxXhtml.matchAll(LINE)) {
    const words = [...body.matchAll(WORD)].map((w) => w[1].replace(/&\w+;/g, (e) => ENTITIES[e] ?? e));
    const text = words.join(' ').trim();
    if (text) lines.push({ text, height: Number(yMax) - Number(yMin), top: Number(yMin) });
  }
  return lines.sort((a, b) => a.top - b.top);
}

/**
 * Title and authors as a title page prints them: the title is the largest type on the page
 * (consecutive lines of that size joined); the authors are the lines just below it, in smaller
 * type, that read as personal names.
 */
export function titlePageOf(lines: PrintedLine[]): { title?: string; authors: string[] } {
  const candidates = lines.filter((l) => /\p{L}{2}/u.test(l.text));
  if (candidates.length === 0) return { authors: [] };
  const largest = Math.max(...candidates.map((l) => l.height));
  const first = candidates.findIndex((l) => l.height >= largest * 0.9);
  let end = first;
  while (end + 1 < candidates.length && candidates[end + 1].height >= largest * 0.9) end++;
  const title = meaningful(candidates.slice(first, end + 1).map((l) => l.text).join(' '));
  const authors: string[] = [];
  for (const line of candidates.slice(end + 1, end + 4)) {
    if (/\d/.test(line.text)) continue;
    const names = splitAuthors(line.text.replace(/^(by|von|par|de|por|di|автор[ы]?:?)\s+/i, '')).filter(isPersonalName);
    if (names.length > 0) {
      authors.push(...names);
      break;
    }
  }
  return { title, authors };
}

/**
 * The declared title, or the title page's when the declared one is missing or only its start
 * ("STEAD3" declared, "STEAD3: Программирование модулей" printed).
 */
export function fullerTitle(declared: string | undefined, printed: string | undefined): string | undefined {
  if (!declared || !printed) return declared ?? printed;
  const key = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  const extra = key(printed).startsWith(key(declared)) ? key(printed).slice(key(declared).length) : '';
  // A date or number printed in the same type ("Publikationsdatum: 31.01.2024") is not part of the title.
  return extra && !/\d/.test(extra) ? printed : declared;
}

/** "© 2013-2021 Osamu Aoki (青木 修)" -> ["Osamu Aoki"]: the copyright holder, when a person. */
export function copyrightHolders(text: string): string[] {
  const match = /(?:©|\(c\)|copyright)\s*(?:(?:\d{4})(?:\s*[-–,]\s*\d{4})*\s*,?\s*)+(?:by\s+)?([^\n(<]{3,80})/i.exec(text);
  if (!match) return [];
  return splitAuthors(match[1].replace(/\.\s*(all rights.*)?$/i, '').trim()).filter(isPersonalName);
}

const MONTH_WORD = '\\p{L}{3,12}\\.?';
const TEXT_DATES = [
  /\b(\d{4})-(\d{2})-(\d{2})\b/u,
  /\b\d{1,2}\.\s?\d{1,2}\.\s?(\d{4})\b/u,
  new RegExp(`\\b\\d{1,2}\\.?\\s+${MONTH_WORD}\\s+(\\d{4})`, 'u'),
  new RegExp(`\\b${MONTH_WORD}\\s+\\d{1,2},\\s+(\\d{4})`, 'u'),
  /(\d{4})\s*年\s*\d{1,2}\s*月/u,
];

/** The year of the first full date printed in the text (2023-02-04, 31.01.2024, 19 апреля 2020, May 3, 2011, 2023年2月). */
export function printedYear(text: string): number | undefined {
  let best: { index: number; year: number } | undefined;
  for (const pattern of TEXT_DATES) {
    const match = pattern.exec(text);
    const year = match ? Number(match[1]) : NaN;
    if (match && year >= 1400 && year <= 2100 && (!best || match.index < best.index)) best = { index: match.index, year };
  }
  return best?.year;
}
