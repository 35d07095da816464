import { cleanText, yearOf } from '../../metadata/embedded';
import { normalizeIsbn, toIsbn10 } from '../../metadata/isbn';
import { normalizeLanguage } from '../../metadata/language';
import { getJson, HttpJsonOptions } from './http-json';
import type { BookProvider, BookQuery, ProviderRecord } from './provider-record';

interface BooksApiEntry {
  key?: string;
  title?: string;
  subtitle?: string;
  authors?: { name?: string }[];
  publishers?: { name?: string }[];
  publish_date?: string;
  number_of_pages?: number;
  identifiers?: { isbn_13?: string[]; isbn_10?: string[] };
  subjects?: { name?: string }[];
  cover?: { large?: string; medium?: string };
  url?: string;
  works?: { key?: string }[];
  languages?: { key?: string }[];
}

interface Work {
  description?: string | { value?: string };
}

/**
 * OpenLibrary (no key): one call to the Books API (`/api/books?jscmd=data`) gives the edition with
 * author names, publisher and cover; the work adds the description.
 */
export class OpenLibraryProvider implements BookProvider {
  readonly name = 'openlibrary';

  constructor(
    private readonly baseUrl: string,
    private readonly http: Omit<HttpJsonOptions, 'provider'>,
  ) {}

  unavailableReason(): string | undefined {
    return undefined;
  }

  async find(query: BookQuery): Promise<ProviderRecord | undefined> {
    if (!query.isbn) return undefined;
    const options = { ...this.http, provider: this.name };
    const answer = await getJson<Record<string, BooksApiEntry>>(
      `${this.baseUrl}/api/books?bibkeys=ISBN:${query.isbn}&jscmd=data&format=json`,
      options,
    );
    const entry = answer?.[`ISBN:${query.isbn}`];
    if (!entry?.title) return undefined;
    const workKey = entry.works?.[0]?.key;
    const work = workKey ? await getJson<Work>(`${this.baseUrl}${workKey}.json`, options) : undefined;
    const description = typeof work?.description === 'string' ? work.description : work?.description?.value;
    const isbn13 = normalizeIsbn(entry.identifiers?.isbn_13?.[0] ?? entry.identifiers?.isbn_10?.[0]) ?? query.isbn;
    return {
      provider: this.name,
      id: entry.key,
      title: cleanText(entry.title),
      subtitle: cleanText(entry.subtitle),
      authors: (entry.authors ?? []).map((a) => cleanText(a.name)).filter((a): a is string => Boolean(a)),
      publisher: cleanText(entry.publishers?.[0]?.name),
      publishedDate: entry.publish_date,
      year: yearOf(entry.publish_date),
      language: normalizeLanguage(entry.languages?.[0]?.key),
      isbn13,
      isbn10: toIsbn10(isbn13),
      pages: entry.number_of_pages,
      categories: (entry.subjects ?? []).map((s) => s.name).filter((s): s is string => Boolean(s)).slice(0, 10),
      description: cleanText(description),
      coverUrl: entry.cover?.large ?? entry.cover?.medium,
      infoUrl: entry.url,
    };
  }
}
