import { Group, Release } from '../../db/models';
import type { BookRecord } from '../metadata/book-record';
import { toIsbn10 } from '../metadata/isbn';
import { languageName } from '../metadata/language';
import { buildReleaseName } from './engine/release-name';
import type { ReleaseFacts } from './engine/release-facts';
import type { NamingStyle } from '../../lib/domain/naming-style';
import { extraTagsOf, followUpStatement } from '../lifecycle/follow-up-statement';

export type NamedFacts = Omit<ReleaseFacts, 'sizeBytes' | 'volumes' | 'volumeSizeMb'>;

/** What of a release (or of a request not yet stored) its facts depend on. */
export type FactsSubject = Pick<Release, 'options' | 'releaseDate' | 'followUpKind' | 'followsName' | 'followUpReason'>;

/** The naming style stored on the release's group (the product's defaults without a group). */
export async function namingStyleOf(groupId: number | null | undefined): Promise<Partial<NamingStyle>> {
  const group = groupId ? await Group.query().findById(groupId) : undefined;
  if (!group) return {};
  const { authorSeparator, tagCase, ebookTag, publisherFirst } = group;
  return { authorSeparator, tagCase, ebookTag, publisherFirst };
}

/** The release's name and NFO/DIZ facts from its merged book record (packing, previews, template previews). */
export function releaseFactsOf(release: FactsSubject, record: BookRecord & { title: string }, maxNameLength?: number, style?: Partial<NamingStyle>): NamedFacts {
  const { group, source, proofUrl } = release.options;
  const statement = followUpStatement(release);
  const year = record.year ?? Number(release.releaseDate.slice(0, 4));
  const name = buildReleaseName({
    authors: record.authors,
    publisher: record.publisher,
    title: record.title,
    edition: record.edition,
    year,
    language: record.language,
    source,
    format: record.format,
    group,
    extraTags: extraTagsOf(release),
    style,
    maxLength: maxNameLength,
  });
  return {
    name,
    title: record.title,
    subtitle: record.subtitle,
    authors: record.authors,
    publisher: record.publisher,
    publishDate: record.publishDate,
    year,
    releaseDate: release.releaseDate,
    languageName: languageName(record.language),
    source,
    format: record.format,
    isbn: record.isbn ? [record.isbn, toIsbn10(record.isbn)].filter(Boolean).join(' / ') : undefined,
    pages: record.pages,
    description: statement ? [statement, record.description].filter(Boolean).join('\n\n') : record.description,
    proofUrl,
    group,
  };
}
