import { FORMAT_TAGS, SOURCE_TAGS } from './release-name';
import type { ReleaseFacts } from './release-facts';
import { publishedFacts } from './published-text';
import { center, wrap } from './text-layout';

export const NFO_WIDTH = 80;
const BOX_INNER = 74;

const rule = (left: string, title: string, right: string) =>
  ` ${left}${title ? `─[ ${title} ]` : ''}${'─'.repeat(BOX_INNER + 2 - (title ? title.length + 5 : 0))}${right}`;
const row = (text: string) => ` │ ${text.padEnd(BOX_INNER)} │`;

function section(title: string, lines: string[]): string[] {
  return [rule('┌', title, '┐'), ...lines.map(row), rule('└', '', '┘'), ''];
}

function field(label: string, value: string | number | undefined): string[] {
  if (value === undefined || value === '') return [];
  const head = `${label.padEnd(15, '.')}: `;
  const [first, ...rest] = wrap(String(value), BOX_INNER - head.length);
  return [`${head}${first}`, ...rest.map((l) => `${' '.repeat(head.length)}${l}`)];
}

function humanSize(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(2)} MB (${bytes.toLocaleString('en-US')} bytes)`;
}

/**
 * The release NFO: at most 80 columns, CRLF, box and block characters that exist in CP437.
 * Sections: release info (every field the rules ask for), description, group. Laid out on the
 * texts as they will be published, so padding and wrapping count the columns CP437 will show.
 */
export function renderNfo(given: ReleaseFacts): string {
  const facts = publishedFacts(given);
  const banner = [
    ` ${'▄'.repeat(BOX_INNER + 4)}`,
    ` █${' '.repeat(BOX_INNER + 2)}█`,
    ` █${center(facts.group.split('').join(' '), BOX_INNER + 2)}█`,
    ` █${center('p r e s e n t s', BOX_INNER + 2)}█`,
    ` █${' '.repeat(BOX_INNER + 2)}█`,
    ` ${'▀'.repeat(BOX_INNER + 4)}`,
    '',
    ...wrap(facts.title, NFO_WIDTH - 4).map((l) => center(l, NFO_WIDTH - 1).trimEnd()),
    center(`by ${facts.authors.join(', ') || facts.publisher || 'unknown'}`, NFO_WIDTH - 1).trimEnd(),
    '',
  ];
  const info = [
    ...field('Title', facts.title),
    ...field('Subtitle', facts.subtitle),
    ...field('Issue', facts.issue),
    ...field('Author', facts.authors.join(', ')),
    ...field('Publisher', facts.publisher),
    ...field('Publish date', facts.publishDate ?? String(facts.year)),
    ...field('Release date', facts.releaseDate),
    ...field('Language', facts.languageName),
    ...field('Type', SOURCE_TAGS[facts.source]),
    ...field('Format', FORMAT_TAGS[facts.format] || 'PDF'),
    ...field('ISBN', facts.isbn),
    ...field('Pages', facts.pages),
    ...field('Size', humanSize(facts.sizeBytes)),
    ...field('Disks', `${facts.volumes} x ${facts.volumeSizeMb}MB`),
    ...field('Proof', facts.proofUrl),
  ];
  const description = facts.description ? wrap(facts.description, BOX_INNER).slice(0, 40) : ['No description available.'];
  const group = [
    `${facts.group} brings you books as the publishers made them: no conversions,`,
    'no re-encoding. Unpack the zips, join the parts if there are several.',
  ];
  const lines = [
    ...banner,
    ...section('RELEASE INFO', info),
    ...section('DESCRIPTION', description),
    ...section('GROUP', group),
    center(facts.name.length <= NFO_WIDTH - 2 ? facts.name : `${facts.name.slice(0, NFO_WIDTH - 5)}...`, NFO_WIDTH - 1).trimEnd(),
  ];
  return lines.map((l) => l.trimEnd()).join('\r\n').concat('\r\n');
}
