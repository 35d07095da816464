import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import type { MetadataOverrides } from '../../lib/domain/release-options';
import { normalizeIsbn } from '../../lib/domain/isbn';
import type { BookQuery } from './providers/provider-record';

/** What the catalogues are asked for a book: its ISBN (overridden or embedded), else title and first author. */
export function bookQueryOf(embedded: EmbeddedMetadata, overrides: MetadataOverrides): BookQuery {
  const isbn = normalizeIsbn(overrides.isbn) ?? embedded.isbn;
  return isbn ? { isbn } : { title: overrides.title ?? embedded.title, author: overrides.authors?.[0] ?? embedded.authors[0] };
}
