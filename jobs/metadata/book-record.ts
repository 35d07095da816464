import type { BookFormat, EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import type { BookKind } from '../../lib/domain/naming-style';
import type { MetadataOverrides } from '../../lib/domain/release-options';
import { normalizeIsbn } from '../../lib/domain/isbn';
import { normalizeLanguage } from './language';

/** The merged description of a book that naming and the NFO use. */
export interface BookRecord {
  format: BookFormat;
  title?: string;
  subtitle?: string;
  authors: string[];
  publisher?: string;
  publishDate?: string;
  year?: number;
  language?: string;
  isbn?: string;
  edition?: string;
  description?: string;
  pages?: number;
  /** Magazine, comic or manga as the file declares it; a plain book when absent. */
  kind?: BookKind;
  /** The issue or volume number (a series index). */
  issue?: string;
  /** The first edition's year and publisher, which a SCAN is named with (rule 5.0). */
  originalYear?: number;
  originalPublisher?: string;
  /** Where each field's value came from. */
  sources: Partial<Record<keyof Omit<BookRecord, 'sources' | 'format'>, string>>;
}

/** Whether the book names someone to open its release name with: an author or else its publisher. */
export function knowsCreator(record: Pick<BookRecord, 'authors' | 'publisher'>): boolean {
  return record.authors.length > 0 || Boolean(record.publisher);
}

type Layer = { name: string; values: Partial<Omit<BookRecord, 'sources' | 'format'>> };

/** Later layers win field by field; empty values never overwrite. Overrides are the last layer. */
export function mergeLayers(format: BookFormat, layers: Layer[]): BookRecord {
  const record: BookRecord = { format, authors: [], sources: {} };
  for (const { name, values } of layers) {
    for (const [field, value] of Object.entries(values) as [keyof Layer['values'], unknown][]) {
      if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) continue;
      (record as unknown as Record<string, unknown>)[field] = value;
      record.sources[field] = name;
    }
  }
  return record;
}

export function embeddedLayer(metadata: EmbeddedMetadata): Layer {
  const { title, subtitle, authors, publisher, date, year, language, isbn, description, pages, kind, seriesIndex } = metadata;
  return {
    name: 'embedded',
    values: { title, subtitle, authors, publisher, publishDate: date?.slice(0, 10), year, language, isbn, description, pages, kind, issue: seriesIndex },
  };
}

export function overridesLayer(overrides: MetadataOverrides): Layer {
  const { isbn, language, ...rest } = overrides;
  return {
    name: 'override',
    values: { ...rest, isbn: normalizeIsbn(isbn), language: normalizeLanguage(language) ?? language?.toLowerCase() },
  };
}
