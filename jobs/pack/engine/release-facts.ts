import type { BookFormat } from '../../../lib/domain/embedded-metadata';
import type { Source } from '../../../lib/domain/release-options';

/** Everything the NFO and FILE_ID.DIZ say about a release. */
export interface ReleaseFacts {
  name: string;
  title: string;
  subtitle?: string;
  /** A magazine's, comic's or manga's issue or volume: `NR03`. */
  issue?: string;
  authors: string[];
  publisher?: string;
  /** The book's publication date as known (YYYY, YYYY-MM or YYYY-MM-DD). */
  publishDate?: string;
  year: number;
  releaseDate: string;
  /** English name of the language, e.g. "English", "French". */
  languageName: string;
  source: Source;
  format: BookFormat;
  isbn?: string;
  pages?: number;
  description?: string;
  /** Store or catalogue page proving the retail edition. */
  proofUrl?: string;
  group: string;
  sizeBytes: number;
  volumes: number;
  volumeSizeMb: number;
}
