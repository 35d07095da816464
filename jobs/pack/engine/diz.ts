import { FORMAT_TAGS, SOURCE_TAGS } from './release-name';
import type { ReleaseFacts } from './release-facts';
import { publishedFacts } from './published-text';
import { center, wrap } from './text-layout';

export const DIZ_WIDTH = 44;
export const DIZ_MAX_LINES = 30;

/**
 * FILE_ID.DIZ for volume `volume` of `facts.volumes`: at most 44 x 30, with the DISK counter,
 * laid out on the texts as they will be published in CP437.
 */
export function renderDiz(given: ReleaseFacts, volume: number): string {
  const facts = publishedFacts(given);
  const pad = (n: number) => String(n).padStart(2, '0');
  const body = DIZ_WIDTH - 4;
  const tags = [SOURCE_TAGS[facts.source], FORMAT_TAGS[facts.format] || 'PDF', 'eBook'].join(' ');
  const lines = [
    center(`-=[ ${facts.group} ]=-`, DIZ_WIDTH),
    '',
    ...wrap(facts.authors.join(', ') || facts.publisher || '', body).slice(0, 3),
    ...wrap(facts.title, body).slice(0, 6),
    ...(facts.subtitle ? wrap(facts.subtitle, body).slice(0, 3) : []),
    '',
    ...wrap([String(facts.year), facts.publisher].filter(Boolean).join(' - '), body).slice(0, 2),
    `[ ${tags} ]`,
    facts.languageName === 'English' ? '' : `Language: ${facts.languageName}`,
    '',
    `DISK: [${pad(volume)}/${pad(facts.volumes)}]`,
  ];
  return lines
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .map((line) => (line.startsWith(' ') ? line.trimEnd() : `  ${line}`.trimEnd()))
    .slice(0, DIZ_MAX_LINES)
    .join('\r\n')
    .concat('\r\n');
}
