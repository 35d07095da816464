import { cleanText, yearOf } from '../../../lib/domain/embedded-metadata';
import { normalizeIsbn, toIsbn10 } from '../../../lib/domain/isbn';
import { normalizeLanguage } from '../../metadata/language';
import { matchKey, surnameOf } from '../match';
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

interface SearchDoc {
  key?: string;
  title?: string;
  subtitle?: string;
  author_name?: string[];
  first_publish_year?: number;
  isbn?: string[];
  language?: string[];
  publisher?: string[];
  cover_i?: number;
  number_of_pages_median?: number;
}

const SEARCH_FIELDS = 'key,title,subtitle,author_name,first_publish_year,isbn,language,publisher,cover_i,number_of_pages_median';

interface Work {
  description?: string | { value?: string };
}

/**
 * OpenLibrary (no key). By ISBN, one call to the Books API (`/api/books?jscmd=data`) gives the edition with
 * author names, publisher and cover; the work adds the description. Without an ISBN,
 * a title and author search.
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
    return query.isbn ? this.byIsbn(query.isbn) : query.title ? this.search(query.title, query.author) : undefined;
  }

  /**
   * `search.json` by title and author. Several works can answer; the first whose title and author
   * match the query wins, so an ambiguous search never picks a different book.
   */
  private async search(title: string, author?: string): Promise<ProviderRecord | undefined> {
    const params = new URLSearchParams({ title, ...(author ? { author } : {}), limit: '5', fields: SEARCH_FIELDS });
    const answer = await getJson<{ numFound?: number; docs?: SearchDoc[] }>(`${this.baseUrl}/search.json?${params}`, { ...this.http, provider: this.name });
    const wanted = matchKey(title);
    const doc = (answer?.docs ?? []).find(
      (d) => matchKey(d.title) === wanted && (!author || (d.author_name ?? []).some((a) => surnameOf(a) === surnameOf(author))),
    );
    if (!doc?.title) return undefined;
    // ISBN-13s first: a work lists its editions' ISBNs, and a 13-digit one was recorded as such.
    const isbns = [...(doc.isbn ?? [])].sort((a, b) => b.length - a.length);
    const isbn13 = isbns.map((i) => normalizeIsbn(i)).find((i): i is string => Boolean(i));
    return {
      provider: this.name,
      id: doc.key,
      title: cleanText(doc.title),
      subtitle: cleanText(doc.subtitle),
      authors: (doc.author_name ?? []).map((a) => cleanText(a)).filter((a): a is string => Boolean(a)),
      publisher: cleanText(doc.publisher?.[0]),
      publishedDate: doc.first_publish_year ? String(doc.first_publish_year) : undefined,
      year: doc.first_publish_year,
      originalYear: doc.first_publish_year,
      language: normalizeLanguage(doc.language?.[0]),
      isbn13,
      isbn10: isbn13 ? toIsbn10(isbn13) : undefined,
      pages: doc.number_of_pages_median,
      categories: [],
      coverUrl: doc.cover_i ? `https://covers.openlibrary.org/b/id/${doc.cover_i}-L.jpg` : undefined,
      infoUrl: doc.key ? `https://openlibrary.org${doc.key}` : undefined,
    };
  }

  private async byIsbn(isbn: string): Promise<ProviderRecord | undefined> {
    const options = { ...this.http, provider: this.name };
    const answer = await getJson<Record<string, BooksApiEntry>>(
      `${this.baseUrl}/api/books?bibkeys=ISBN:${isbn}&jscmd=data&format=json`,
      options,
    );
    const entry = answer?.[`ISBN:${isbn}`];
    if (!entry?.title) return undefined;
    const workKey = entry.works?.[0]?.key;
    const work = workKey ? await getJson<Work>(`${this.baseUrl}${workKey}.json`, options) : undefined;
    const description = typeof work?.description === 'string' ? work.description : work?.description?.value;
    const isbn13 = normalizeIsbn(entry.identifiers?.isbn_13?.[0] ?? entry.identifiers?.isbn_10?.[0]) ?? isbn;
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
