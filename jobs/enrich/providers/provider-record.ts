/** One provider's answer, normalised. */
export interface ProviderRecord {
  provider: string;
  /** The provider's own id of the edition/volume. */
  id?: string;
  title?: string;
  subtitle?: string;
  authors: string[];
  publisher?: string;
  /** As given: "2001", "2001-05", "2001-05-03", "October 1, 1988". */
  publishedDate?: string;
  year?: number;
  /** The work's first publication year where the catalogue knows it (a SCAN's year, rule 5.0). */
  originalYear?: number;
  /** ISO 639-1. */
  language?: string;
  isbn13?: string;
  isbn10?: string;
  pages?: number;
  categories: string[];
  description?: string;
  coverUrl?: string;
  infoUrl?: string;
}

export type ProviderOutcome<R = ProviderRecord> =
  | { provider: string; status: 'found'; record: R; cached: boolean }
  | { provider: string; status: 'not_found'; cached: boolean }
  | { provider: string; status: 'skipped'; reason: string }
  | { provider: string; status: 'failed'; reason: string };

export interface BookQuery {
  isbn?: string;
  title?: string;
  author?: string;
}

/** Anything asked through the cache: a book catalogue or a film/series database. */
export interface Provider<Q, R> {
  name: string;
  /** Why the provider cannot be used (e.g. no API key), or undefined when it can. */
  unavailableReason(): string | undefined;
  find(query: Q): Promise<R | undefined>;
}

export type BookProvider = Provider<BookQuery, ProviderRecord>;
