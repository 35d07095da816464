import type { BookFormat } from '../../../lib/domain/embedded-metadata';
import { sceneLanguageTag } from '../../metadata/language';
import type { Source } from '../../../lib/domain/release-options';
import { sceneWords } from './scene-words';
import { isPersonalName } from '../../metadata/authors';
import { BookKind, DEFAULT_NAMING_STYLE, NamingStyle } from '../../../lib/domain/naming-style';

export const MAX_DIRNAME_LENGTH = 243;

export const SOURCE_TAGS: Record<Source, string> = { RETAIL: 'RETAiL', SCAN: 'SCAN', HYBRID: 'HYBRiD' };

/** The format tag of a release name (2022 rules: ePUB, CBZ, KF8/AZW, MOBI, PRC); PDF has none. */
export const FORMAT_TAGS: Record<BookFormat, string> = { pdf: '', epub: 'ePub', cbz: 'CBZ', azw3: 'KF8', mobi: 'MOBI', prc: 'PRC' };

/** Tags of the other book kinds (rules 5.1-5.3), placed after SOURCE. */
export const KIND_TAGS: Record<BookKind, string> = { book: '', magazine: 'MAGAZiNE', comic: 'COMiC', manga: 'MANGA' };

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
  /** Magazine, comic or manga (rules 5.1-5.3); a plain book when not given. */
  kind?: BookKind;
  /** Issue or volume number of a magazine, comic or manga: `NR03`. */
  issue?: string;
  /** READNFO, PROPER, iNTERNAL ... placed between SOURCE and FORMAT. */
  extraTags?: string[];
  /** The group's spelling; the product's default when not given. */
  style?: Partial<NamingStyle>;
  /** The rule's dirname limit; 243 when not given. */
  maxLength?: number;
}

/**
 * `[Author|Publisher][.-].Title[.Edition][.NRxx].Year[.LANGUAGE].SOURCE[.KIND][.EXTRA][.FORMAT].eBook-GROUP`.
 * Creator: two authors are joined with And (three or more: the first); the publisher comes first
 * when the group asks for it or no author is a person (rule 5.5: `Apress.-.Windows.8...`);
 * magazines are named by their title alone. Too long: title words are dropped from the end (then
 * creator words); tags and group never are.
 */
export function buildReleaseName(input: NameInput): string {
  const style = { ...DEFAULT_NAMING_STYLE, ...input.style };
  const tag = (t: string) => (style.tagCase === 'upper' ? t.toUpperCase() : t);
  const kind = input.kind ?? 'book';
  const creator = kind === 'magazine' ? [] : creatorWords(input, style.publisherFirst);
  const title = sceneWords(input.title, input.language);
  if (title.length === 0) title.push('Untitled');
  const issue = issueTag(input.issue);
  const tail = [
    ...sceneWords(input.edition),
    issue,
    String(input.year),
    tag(sceneLanguageTag(input.language) ?? (input.language ?? '').toUpperCase()),
    tag(SOURCE_TAGS[input.source]),
    tag(KIND_TAGS[kind]),
    ...(input.extraTags ?? []),
    tag(FORMAT_TAGS[input.format]),
    `${style.ebookTag}-${input.group}`,
  ].filter(Boolean);

  const compose = () => [...creator, ...(creator.length && style.authorSeparator === '.-.' ? ['-'] : []), ...title, ...tail].join('.');
  // Word by word: sceneWords reads at most the first 1,000 characters of a text, so a hostile title
  // or author gives a bounded number of words to drop.
  const maxLength = input.maxLength ?? MAX_DIRNAME_LENGTH;
  while (compose().length > maxLength && title.length > 1) title.pop();
  while (compose().length > maxLength && creator.length > 0) creator.pop();
  return compose();
}

/** Who goes before the title: the people who wrote it, else the publisher, else the organisation named as author. */
export function creatorWords(input: Pick<NameInput, 'authors' | 'publisher' | 'language'>, publisherFirst = false): string[] {
  const people = input.authors.filter(isPersonalName);
  if (input.publisher && (publisherFirst || people.length === 0)) return sceneWords(input.publisher);
  const names = people.length > 0 ? people : input.authors;
  if (names.length === 2) return [...sceneWords(names[0], input.language), 'And', ...sceneWords(names[1], input.language)];
  return sceneWords(names[0], input.language);
}

/** `NR03` from "3", "03", "No. 3", "#3"; undefined when there is no number. */
export function issueTag(issue: string | undefined): string | undefined {
  const number = issue?.match(/\d+/)?.[0];
  return number ? `NR${number.replace(/^0+(?=\d)/, '').padStart(2, '0')}` : undefined;
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
  if (!suffix) fail('suffix', 'must end with .eBook-GROUP (or .eBOOK-GROUP)');
  else if (expected.group && suffix[1] !== expected.group) fail('group', `group must be ${expected.group}`);
  const yearIndex = lower.findIndex((s) => /^(1[4-9]|20)\d\d$/.test(s));
  if (yearIndex < 1) fail('year', 'needs a four-digit year after the title');
  const sourceIndex = lower.findIndex((s) => ['retail', 'scan', 'hybrid'].includes(s));
  if (sourceIndex === -1) fail('source', 'needs a source tag: RETAiL, SCAN or HYBRiD');
  else if (yearIndex !== -1 && sourceIndex < yearIndex) fail('order', 'the source tag comes after the year');
  if (lower.includes('english')) fail('language', 'English is the default and takes no language tag');

  const formatTags = [...Object.values(FORMAT_TAGS).filter(Boolean).map((t) => t.toLowerCase()), 'azw'];
  const present = lower.filter((s) => formatTags.includes(s) || formatTags.includes(s.replace(/-.*$/, '')));
  const wanted = expected.format === 'azw3' ? ['kf8', 'azw'] : [FORMAT_TAGS[expected.format].toLowerCase()];
  if (expected.format === 'pdf' && present.length > 0) fail('format', 'a PDF release carries no format tag');
  if (expected.format !== 'pdf' && !wanted.some((w) => lower.includes(w))) fail('format', `needs the format tag ${FORMAT_TAGS[expected.format]}`);
  if (sceneWordsBefore(segments, yearIndex) < 2) fail('title', 'needs an author or publisher and a title before the year');
  return problems;
}

function sceneWordsBefore(segments: string[], index: number): number {
  return index > 0 ? segments.slice(0, index).filter(Boolean).length : 0;
}
