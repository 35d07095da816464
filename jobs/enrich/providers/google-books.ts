import { cleanText, stripHtml, yearOf } from '../../../lib/domain/embedded-metadata';
import { normalizeIsbn, toIsbn10 } from '../../../lib/domain/isbn';
import { normalizeLanguage } from '../../metadata/language';
import { getJson, HttpJsonOptions } from './http-json';
import type { BookProvider, BookQuery, ProviderRecord } from './provider-record';

interface Volume {
  id: string;
  volumeInfo?: {
    title?: string;
    subtitle?: string;
    authors?: string[];
    publisher?: string;
    publishedDate?: string;
    industryIdentifiers?: { type: string; identifier: string }[];
    pageCount?: number;
    categories?: string[];
    language?: string;
    imageLinks?: { thumbnail?: string; smallThumbnail?: string };
    description?: string;
    infoLink?: string;
  };
}

interface VolumesAnswer {
  totalItems?: number;
  /** Absent when nothing matched. */
  items?: Volume[];
}

/** Google Books v1: `q=isbn:` or `intitle:`+`inauthor:`; the key is optional. */
export class GoogleBooksProvider implements BookProvider {
  readonly name = 'googlebooks';

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly http: Omit<HttpJsonOptions, 'provider'>,
  ) {}

  unavailableReason(): string | undefined {
    return undefined;
  }

  async find(query: BookQuery): Promise<ProviderRecord | undefined> {
    const q = query.isbn ? `isbn:${query.isbn}` : query.title ? [`intitle:${query.title}`, query.author && `inauthor:${query.author}`].filter(Boolean).join('+') : undefined;
    if (!q) return undefined;
    const key = this.apiKey ? `&key=${encodeURIComponent(this.apiKey)}` : '';
    const answer = await getJson<VolumesAnswer>(`${this.baseUrl}/volumes?country=us&q=${encodeURIComponent(q).replace(/%2B/g, '+')}&maxResults=3${key}`, {
      ...this.http,
      provider: this.name,
    });
    const volume = answer?.items?.[0];
    return volume?.volumeInfo?.title ? this.normalise(volume) : undefined;
  }

  private normalise({ id, volumeInfo: info = {} }: Volume): ProviderRecord {
    const identifier = (type: string) => info.industryIdentifiers?.find((i) => i.type === type)?.identifier;
    const isbn13 = normalizeIsbn(identifier('ISBN_13') ?? identifier('ISBN_10'));
    return {
      provider: this.name,
      id,
      title: cleanText(info.title),
      subtitle: cleanText(info.subtitle),
      authors: (info.authors ?? []).map((a) => cleanText(a)).filter((a): a is string => Boolean(a)),
      publisher: cleanText(info.publisher),
      publishedDate: info.publishedDate,
      year: yearOf(info.publishedDate),
      language: normalizeLanguage(info.language),
      isbn13,
      isbn10: isbn13 ? toIsbn10(isbn13) : undefined,
      pages: info.pageCount,
      categories: info.categories ?? [],
      description: stripHtml(info.description),
      coverUrl: info.imageLinks?.thumbnail?.replace(/^http:/, 'https:'),
      infoUrl: info.infoLink,
    };
  }
}
