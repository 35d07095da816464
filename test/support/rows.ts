import { randomBytes, randomUUID } from 'node:crypto';
import type { PartialModelObject } from 'objection';
import { Release, Upload } from '../../db/models';
import { bookQueryOf } from '../../jobs/enrich/book-query';
import { EnrichedBook, mergeBook } from '../../jobs/enrich/merge';
import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import type { MetadataOverrides } from '../../lib/domain/release-options';

/**
 * Upload and release rows put straight into the database, for suites that read and change them
 * over HTTP with nothing running them (no worker, no file packed): each row is what the real
 * flow stores, with only the fields a test names changed.
 */

/** A book as an inspected EPUB's metadata says it. */
export const INSPECTED_BOOK: EmbeddedMetadata = {
  format: 'epub',
  title: 'The Left Hand of Darkness',
  authors: ['Ursula K. Le Guin'],
  publisher: 'Ace Books',
  year: 1969,
  language: 'en',
  isbn: '9780441478125',
  identifiers: [{ type: 'isbn', value: '9780441478125' }],
};

/** A fresh SHA-256 in hex: each upload its own bytes unless a test says otherwise. */
const randomSha256 = () => randomBytes(32).toString('hex');

export async function insertUpload(userId: number, fields: PartialModelObject<Upload> = {}): Promise<Upload> {
  const id = randomUUID();
  return Upload.query().insertAndFetch({ id, userId, originalName: 'b.epub', storedName: id, size: 1, sha256: randomSha256(), status: 'inspected', ...fields });
}

/** What the enrich step stores of `book` when no catalogue answered: the file's facts under the overrides. */
export function enrichedOf(book: EmbeddedMetadata, overrides: MetadataOverrides = {}): Record<string, unknown> {
  const enriched: EnrichedBook = mergeBook(book.format, book, overrides, bookQueryOf(book, overrides), []);
  return enriched as unknown as Record<string, unknown>;
}

/** A release of `upload` for the group ESP, published (`done`) unless the fields say otherwise. */
export async function insertRelease(upload: Pick<Upload, 'id' | 'userId'>, fields: PartialModelObject<Release> = {}): Promise<Release> {
  const id = randomUUID();
  return Release.query().insertAndFetch({
    id,
    uploadId: upload.id,
    userId: upload.userId,
    requestKey: randomSha256(),
    options: { type: 'EBOOK', group: 'ESP', source: 'RETAIL', overrides: {}, force: false },
    state: 'done',
    progress: 100,
    releaseDate: '2026-01-01',
    ...fields,
  });
}
