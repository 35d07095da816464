import { Group, Release } from '../../db/models';
import type { BookRecord } from '../metadata/book-record';
import { toIsbn10 } from '../../lib/domain/isbn';
import { languageName } from '../metadata/language';
import { buildReleaseName } from './engine/release-name';
import type { ReleaseFacts } from './engine/release-facts';
import type { BookKind, NamingStyle } from '../../lib/domain/naming-style';
import type { ReleaseKind, ReleaseOptions } from '../../lib/domain/release-options';
import { issueTag } from './engine/release-name';
import { extraTagsOf, followUpStatement } from '../lifecycle/follow-up-statement';

export type NamedFacts = Omit<ReleaseFacts, 'sizeBytes' | 'volumes' | 'volumeSizeMb'>;

/** What of a release (or of a request not yet stored) its facts depend on. */
export type FactsSubject = Pick<Release, 'options' | 'releaseDate' | 'followUpKind' | 'followsName' | 'followUpReason'>;

/** The naming style stored on the release's group (the product's defaults without a group). */
export async function namingStyleOf(groupId: number | null | undefined): Promise<Partial<NamingStyle>> {
  return styleOfGroup(groupId ? await Group.query().findById(groupId) : undefined);
}

/** The naming style of a group already read. */
export function styleOfGroup(group: Group | undefined): Partial<NamingStyle> {
  if (!group) return {};
  const { authorSeparator, tagCase, ebookTag, publisherFirst } = group;
  return { authorSeparator, tagCase, ebookTag, publisherFirst };
}

/** The release's name and NFO/DIZ facts from its merged book record (packing, previews, template previews). */
export function releaseFactsOf(release: FactsSubject, record: BookRecord & { title: string }, maxNameLength?: number, style?: Partial<NamingStyle>): NamedFacts {
  const { group, source, proofUrl } = release.options;
  const statement = followUpStatement(release);
  // Rule 5.0: a scan is named with the original edition's year and publisher, a digital release with its own.
  const scan = source === 'SCAN';
  const year = (scan ? record.originalYear : undefined) ?? record.year ?? Number(release.releaseDate.slice(0, 4));
  const publisher = (scan ? record.originalPublisher : undefined) ?? record.publisher;
  const { kind, issue } = kindOf(release.options, record);
  const name = buildReleaseName({
    authors: record.authors,
    publisher,
    title: record.title,
    edition: record.edition,
    year,
    language: record.language,
    source,
    format: record.format,
    group,
    kind,
    issue,
    extraTags: extraTagsOf(release),
    style,
    maxLength: maxNameLength,
  });
  return {
    name,
    title: record.title,
    subtitle: record.subtitle,
    authors: record.authors,
    publisher,
    issue: issueTag(issue),
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

const KIND_OF_REQUEST: Record<ReleaseKind, BookKind> = { EBOOK: 'book', MAGAZINE: 'magazine', COMIC: 'comic', MANGA: 'manga' };

/** The kind asked for, else the one the file declares; an issue number only for magazines, comics and manga. */
function kindOf(options: Pick<ReleaseOptions, 'kind' | 'issue'>, record: Pick<BookRecord, 'kind' | 'issue'>): { kind: BookKind; issue?: string } {
  const kind = options.kind ? KIND_OF_REQUEST[options.kind] : (record.kind ?? 'book');
  return { kind, issue: kind === 'book' ? undefined : (options.issue ?? record.issue) };
}
