import type { BookFormat, EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { BookRecord, embeddedLayer, mergeLayers, overridesLayer } from '../metadata/book-record';
import type { MetadataOverrides } from '../../lib/domain/release-options';
import type { BookQuery, ProviderOutcome, ProviderRecord } from './providers/provider-record';
import type { TieInRecord } from './providers/tie-in-record';
import { matchKey, surnameOf } from './match';

/**
 * Field precedence, lowest first (a later layer wins wherever it has a value):
 *   catalogues (Google Books, then OpenLibrary) < embedded metadata < operator overrides.
 * The file itself describes the edition being released (the rules want the eBook's own year and
 * publisher), so it beats catalogues, which often describe the print edition; catalogues fill
 * gaps. PDFs are the exception for title and authors: their info dictionary is often a
 * word-processor leftover, so catalogue titles and authors win there.
 */
export interface EnrichedBook {
  record: BookRecord;
  /** 0..1: how sure the naming can be of title, authors and year. */
  confidence: number;
  providers: ProviderOutcome[];
  /** For tie-ins: what OMDb, TMDB and TheTVDB said of the film or series. */
  tieIns?: ProviderOutcome<TieInRecord>[];
}

/** Whether a provider's record is about the book asked for. */
export function matchesQuery(record: ProviderRecord, query: BookQuery): boolean {
  if (query.isbn && record.isbn13 && record.isbn13 !== query.isbn) return false;
  if (query.isbn && !query.title) return true;
  const titleOk = !query.title || !record.title || matchKey(record.title) === matchKey(query.title);
  const authorOk = !query.author || record.authors.length === 0 || record.authors.some((a) => surnameOf(a) === surnameOf(query.author!));
  return titleOk && authorOk;
}

function catalogueLayer(record: ProviderRecord, titleAndAuthors: boolean) {
  const { title, subtitle, authors, publisher, year, originalYear, language, isbn13, pages, description } = record;
  return {
    name: record.provider,
    values: {
      ...(titleAndAuthors ? { title, subtitle, authors } : {}),
      publisher,
      publishDate: /^\d{4}(-\d{2}(-\d{2})?)?$/.test(record.publishedDate ?? '') ? record.publishedDate : undefined,
      year,
      originalYear,
      language,
      isbn: isbn13,
      pages,
      description,
    },
  };
}

export function mergeBook(format: BookFormat, embedded: EmbeddedMetadata, overrides: MetadataOverrides, query: BookQuery, outcomes: ProviderOutcome[]): EnrichedBook {
  const matched = outcomes
    .filter((o): o is Extract<ProviderOutcome, { status: 'found' }> => o.status === 'found')
    .map((o) => o.record)
    .filter((r) => matchesQuery(r, query));
  const embeddedWeak = format === 'pdf';
  const embeddedValues = embeddedLayer(embedded);
  const layers = [
    ...matched.map((r) => catalogueLayer(r, true)),
    embeddedWeak ? { ...embeddedValues, values: { ...embeddedValues.values, title: undefined, authors: [] } } : embeddedValues,
    // For a PDF the embedded title/authors still count when no catalogue knew the book.
    ...(embeddedWeak && matched.length === 0 ? [{ name: 'embedded', values: { title: embedded.title, authors: embedded.authors } }] : []),
    overridesLayer(overrides),
  ];
  const record = mergeLayers(format, layers);
  // A language read from the text rather than declared says so, with the detector's confidence.
  if (record.sources.language === 'embedded' && embedded.languageDetected) record.sources.language = `detected:${embedded.languageDetected.confidence}`;

  let confidence = record.title && record.authors.length > 0 ? (embeddedWeak ? 0.3 : 0.5) : 0.1;
  if (matched.length > 0) confidence += query.isbn ? 0.4 : 0.25;
  if (overrides.title && overrides.authors) confidence = 1;
  return { record, confidence: Math.min(1, Math.round(confidence * 100) / 100), providers: outcomes };
}
