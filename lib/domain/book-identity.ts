import { createHash } from 'node:crypto';
import type { EmbeddedMetadata } from './embedded-metadata';
import { normalizeIsbn } from './isbn';
import type { MetadataOverrides } from './release-options';

/** The facts of a book that tell it apart: an enriched release's record, or what a request knows. */
export interface BookFacts {
  isbn?: string;
  title?: string;
  authors?: string[];
  year?: number;
}

/** What makes two releases the same book: the same bytes, the same ISBN, or the same title, author and year. */
export interface BookIdentity {
  sha256: string;
  /** ISBN-13. */
  isbn?: string;
  /** Title, first author and year, normalised; only when all three are known. */
  titleKey?: string;
}

/** Lower case, accents dropped, punctuation gone; the words of a name in any order ("Le Guin, Ursula K."). */
const words = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

export function identityOf(sha256: string, book: BookFacts): BookIdentity {
  const author = book.authors?.[0];
  const titleKey = book.title && author && book.year ? `${words(book.title).join(' ')}|${words(author).sort().join(' ')}|${book.year}` : undefined;
  return { sha256, isbn: normalizeIsbn(book.isbn), titleKey };
}

/** What a request (or a release not yet enriched) knows of its book: the file's metadata under the operator's overrides. */
export function requestedBook(embedded: EmbeddedMetadata | null, overrides: MetadataOverrides): BookFacts {
  return {
    isbn: overrides.isbn ?? embedded?.isbn,
    title: overrides.title ?? embedded?.title,
    authors: overrides.authors ?? embedded?.authors,
    year: overrides.year ?? embedded?.year,
  };
}

export const sameBook = (a: BookIdentity, b: BookIdentity) =>
  a.sha256 === b.sha256 || (a.isbn !== undefined && a.isbn === b.isbn) || (a.titleKey !== undefined && a.titleKey === b.titleKey);

/** An identity's title key as the releases table stores it (`book_title_key`): hashed, so any title fits an index. */
export const storedTitleKey = (titleKey: string) => createHash('sha256').update(titleKey).digest('hex');

/**
 * The columns an enriched release stores its book's identity in (its bytes are its upload's), so
 * that the releases of a book are found by index rather than by reading every release.
 */
export function storedBookKeys(book: BookFacts): { bookIsbn: string | null; bookTitleKey: string | null } {
  const { isbn, titleKey } = identityOf('', book);
  return { bookIsbn: isbn ?? null, bookTitleKey: titleKey ? storedTitleKey(titleKey) : null };
}

/** The keys of a release's stored enrichment (its `metadata`: the book record and how it was found); none without one. */
export const enrichmentBookKeys = (enrichment: { record?: BookFacts } | null) => storedBookKeys(enrichment?.record ?? {});
