import iconv from 'iconv-lite';
import { BOOK_FORMATS, BookFormat } from '../../../lib/domain/embedded-metadata';
import { EBOOK_2022_LIMITS, RuleLimits } from '../../../lib/domain/rule-limits';

/** What a rules .nfo says, as far as it could be read. */
export interface ParsedRules {
  section?: string;
  scene?: string;
  year?: number;
  limits: RuleLimits;
  /** Limits read from the text. */
  found: (keyof RuleLimits)[];
  /** Limits the text did not state; they keep the 2022 eBook values. */
  missing: (keyof RuleLimits)[];
}

/** Rules .nfo files are CP437; a file that is valid UTF-8 is read as UTF-8. */
export function decodeRulesText(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\uFFFD') ? iconv.decode(bytes, 'cp437') : utf8;
}

const FORMAT_WORDS: Record<string, BookFormat[]> = {
  pdf: ['pdf'],
  epub: ['epub'],
  cbz: ['cbz'],
  azw: ['azw3'],
  azw3: ['azw3'],
  kf8: ['azw3'],
  mobi: ['mobi'],
  prc: ['prc'],
};

/**
 * Reads the machine-checkable limits out of a scene rules text: box drawing is dropped, items
 * wrapped over several lines are read as one, and each limit is looked for near the words rule
 * writers use for it ("wider than 80 characters", "5.000.000 ... bytes", "exceed 99 volumes").
 */
export function parseRulesText(text: string): ParsedRules {
  const lines = text.split(/\r?\n/).map((l) => l.replace(/[│┌┐└┘├┤─═║╔╗╚╝▄▀█▌▐░▒▓■]/g, ' ').trim());
  const flat = lines.join(' ').replace(/\s+/g, ' ');
  const found: Partial<RuleLimits> = {};

  const nfoWidth = near(flat, /\bnfo\b/gi, /(\d{2,3})\s*(?:characters|chars|columns|cols)/i, 120);
  if (nfoWidth) found.nfoWidth = Number(nfoWidth[1]);
  const dizWidth = near(flat, /file_id\.diz|\bdiz\b/gi, /(\d{2,3})\s*(?:characters|chars|columns|cols)/i, 120);
  if (dizWidth) found.dizWidth = Number(dizWidth[1]);
  const dizLines = near(flat, /file_id\.diz|\bdiz\b/gi, /(\d{1,2})\s*(?:lines|rows)/i, 160);
  if (dizLines) found.dizLines = Number(dizLines[1]);
  const maxVolumes = /(?:exceed|maximum of|max\.?|at most|up to)\s*(\d{1,3})\s*(?:volumes|disks|zips|files)/i.exec(flat);
  if (maxVolumes) found.maxVolumes = Number(maxVolumes[1]);
  const dirname = near(flat, /\bdir(?:ectory)?\s?names?\b/gi, /(\d{2,3})\s*(?:characters|chars)/i, 80);
  if (dirname) found.dirnameMaxLength = Number(dirname[1]);

  const sizes = sentenceAfter(flat, /(?:volume|archive|zip|rar)\s+sizes?/i);
  if (sizes) {
    const values = volumeSizesIn(sizes);
    if (values.length) found.volumeSizesMb = values;
  }
  const formats = sentenceAfter(flat, /(?:allowed|accepted)?\s*formats?\s*(?:are|:)/i);
  if (formats) {
    const named = new Set((formats.toLowerCase().match(/[a-z0-9]+/g) ?? []).flatMap((w) => FORMAT_WORDS[w] ?? []));
    const values = BOOK_FORMATS.filter((f) => named.has(f));
    if (values.length) found.formats = values;
  }

  const keys = Object.keys(EBOOK_2022_LIMITS) as (keyof RuleLimits)[];
  return {
    section: fieldValue(lines, 'section')?.toUpperCase(),
    scene: fieldValue(lines, 'scene'),
    year: rulesYear(lines),
    limits: { ...EBOOK_2022_LIMITS, ...found },
    found: keys.filter((k) => k in found),
    missing: keys.filter((k) => !(k in found)),
  };
}

/** Where a numbered item starts: " 1.3)", " 4)". */
const ITEM_START = /\s\d+(?:\.\d+)*\)/;

/** The first match of `pattern` within `window` characters after `keyword`, inside the same item. */
function near(text: string, keyword: RegExp, pattern: RegExp, window: number): RegExpExecArray | undefined {
  for (const hit of text.matchAll(keyword)) {
    const after = text.slice(hit.index! + hit[0].length, hit.index! + hit[0].length + window);
    const itemEnd = after.search(ITEM_START);
    const match = pattern.exec(itemEnd === -1 ? after : after.slice(0, itemEnd));
    if (match) return match;
  }
  return undefined;
}

/** The text after `lead` up to the next numbered item (", 1.3)") or the end of the sentence. */
function sentenceAfter(text: string, lead: RegExp): string | undefined {
  const hit = lead.exec(text);
  if (!hit) return undefined;
  const rest = text.slice(hit.index + hit[0].length);
  const end = rest.search(new RegExp(`${ITEM_START.source}|\\.\\s+[A-Z0-9]|\\.$`));
  return end === -1 ? rest : rest.slice(0, end);
}

/** "5.000.000, 10.000.000 ... bytes" or "5, 10 and 50 MB", as millions of bytes. */
function volumeSizesIn(text: string): number[] {
  const grouped = text.match(/\d{1,3}(?:[.,]\d{3}){2,}/g);
  if (grouped) return grouped.map((n) => Number(n.replace(/[.,]/g, '')) / 1_000_000).filter((n) => Number.isInteger(n) && n > 0);
  if (!/\bmb\b|mib|megabytes?/i.test(text)) return [];
  return (text.match(/\b\d{1,5}\b/g) ?? []).map(Number).filter((n) => n > 0);
}

function fieldValue(lines: string[], label: string): string | undefined {
  const match = lines.map((l) => new RegExp(`^${label}\\b[\\s.]*:\\s*(\\S.*)$`, 'i').exec(l)).find(Boolean);
  return match?.[1].trim();
}

/** The ruleset's year: the latest year on a title or date line ("T H E  2 0 2 2 ..." is read too). */
function rulesYear(lines: string[]): number | undefined {
  const years = lines
    .map((l) => l.replace(/(?<=\S) (?=\S(?: |$))/g, ''))
    .filter((l) => /rule|effective|revised|updated/i.test(l))
    .flatMap((l) => l.match(/\b(?:19|20)\d\d\b/g) ?? [])
    .map(Number);
  return years.length ? Math.max(...years) : undefined;
}
