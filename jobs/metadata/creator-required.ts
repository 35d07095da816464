import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import type { MetadataOverrides } from '../../lib/domain/release-options';

/**
 * Why a book cannot be named when its request arrives: neither the file nor the overrides name an
 * author or a publisher, and no ISBN could let a catalogue find one. The rules want one of them in
 * the name and in the NFO. Undefined when the release can go ahead (or the upload is not read yet:
 * the review hold catches it after enrichment).
 */
export function missingCreator(metadata: EmbeddedMetadata | null | undefined, overrides: MetadataOverrides): { message: string; fields: string[] } | undefined {
  if (!metadata) return undefined;
  if (metadata.authors.length > 0 || metadata.publisher || overrides.authors?.length || overrides.publisher) return undefined;
  if (metadata.isbn || overrides.isbn) return undefined;
  return {
    message: 'The book names neither an author nor a publisher, and has no ISBN to look one up: give overrides.authors or overrides.publisher',
    fields: ['overrides.authors', 'overrides.publisher'],
  };
}
