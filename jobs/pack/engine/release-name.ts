import type { BookFormat } from '../../../lib/domain/embedded-metadata';
import { sceneLanguageTag } from '../../metadata/language';
import type { Source } from '../../../lib/domain/release-options';
import { sceneWords } from './scene-words';

export const MAX_DIRNAME_LENGTH = 243;

export const SOURCE_TAGS: Record<Source, string> = { RETAIL: 'RETAiL', SCAN: 'SCAN', HYBRID: 'HYBRiD' };

/** The format tag of a release name; PDF has none. */
export const FORMAT_TAGS: Record<BookFormat, string> = { pdf: '', epub: 'ePub', cbz: 'CBZ', azw3: 'AZW3', mobi: 'MOBI', prc: 'PRC' };

export interface NameInput {
  authors: string[];
  publisher?: string;
  title: string;
  edition?: string;
  year: number;
  /** ISO 639-1; English (or none) puts no language tag in the name. */
  language?: string;
  source: Source;
  format: BookFormat;
  group: string;
  /** READNFO, PROPER, iNTERNAL ... placed between SOURCE and FORMAT. */
  extraTags?: string[];
  /** The rule's dirname limit; 243 when not given. */
  maxLength?: number;
}

/**
 * `[Author|Publisher].Title[.Edition].Year[.LANGUAGE].SOURCE[.EXTRA][.FORMAT].eBook-GROUP`.
 * Too long: title words are dropped from the end (then author words); tags and group never are.
 */
export function buildReleaseName(input: NameInput): string {
  const creator = sceneWords(input.authors[0] ?? input.publisher);
  const title = sceneWords(input.title);
  if (title.length === 0) title.push('Untitled');
  const tail = [
    ...sceneWords(input.edition),
    String(input.year),
    sceneLanguageTag(input.language) ?? (input.language ?? '').toUpperCase(),
    SOURCE_TAGS[input.source],
    ...(input.extraTags ?? []),
    FORMAT_TAGS[input.format],
    `eBook-${input.group}`,
  ].filter(Boolean);

  const compose = () => [...creator, ...title, ...tail].join('.');
  const maxLength = input.maxLength ?? MAX_DIRNAME_LENGTH;
  while (compose().length > maxLength && title.length > 1) title.pop();
  while (compose().length > maxLength && creator.length > 0) creator.pop();
  return compose();
}

export interface NameProblem {
  rule: string;
  message: string;
}

/** Every rule the name breaks (an empty list means it conforms). */
export function validateReleaseName(name: string, expected: { format: BookFormat; group?: string; maxLength?: number }): NameProblem[] {
  const maxLength = expected.maxLength ?? MAX_DIRNAME_LENGTH;
  const problems: NameProblem[] = [];
  const fail = (rule: string, message: string) => problems.push({ rule, message });
  const segments = name.split('.');
  const lower = segments.map((s) => s.toLowerCase());

  if (!/^[A-Za-z0-9._-]+$/.test(name)) fail('charset', 'only A-Z a-z 0-9 . - _ are allowed');
  if (name.length > maxLength) fail('length', `at most ${maxLength} characters (has ${name.length})`);
  if (/\.\./.test(name) || /^[.-]|[.-]$/.test(name)) fail('dots', 'no doubled, leading or trailing dots or dashes');
  const suffix = /\.eBook-([A-Za-z0-9]+)$/i.exec(name);
  if (!suffix) fail('suffix', 'must end with .eBook-GROUP');
  else if (expected.group && suffix[1] !== expected.group) fail('group', `group must be ${expected.group}`);
  const yearIndex = lower.findIndex((s) => /^(1[4-9]|20)\d\d$/.test(s));
  if (yearIndex < 1) fail('year', 'needs a four-digit year after the title');
  const sourceIndex = lower.findIndex((s) => ['retail', 'scan', 'hybrid'].includes(s));
  if (sourceIndex === -1) fail('source', 'needs a source tag: RETAiL, SCAN or HYBRiD');
  else if (yearIndex !== -1 && sourceIndex < yearIndex) fail('order', 'the source tag comes after the year');
  if (lower.includes('english')) fail('language', 'English is the default and takes no language tag');

  const formatTags = Object.values(FORMAT_TAGS).filter(Boolean).map((t) => t.toLowerCase());
  const present = lower.filter((s) => formatTags.includes(s) || formatTags.includes(s.replace(/-.*$/, '')));
  const wanted = FORMAT_TAGS[expected.format].toLowerCase();
  if (expected.format === 'pdf' && present.length > 0) fail('format', 'a PDF release carries no format tag');
  if (expected.format !== 'pdf' && !lower.includes(wanted)) fail('format', `needs the format tag ${FORMAT_TAGS[expected.format]}`);
  if (sceneWordsBefore(segments, yearIndex) < 2) fail('title', 'needs an author or publisher and a title before the year');
  return problems;
}

function sceneWordsBefore(segments: string[], index: number): number {
  return index > 0 ? segments.slice(0, index).filter(Boolean).length : 0;
}
