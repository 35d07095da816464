import { Release, Upload } from '../../db/models';
import type { EnrichedBook } from '../../jobs/enrich/merge';
import { normalizeIsbn } from '../../jobs/metadata/isbn';
import { SOURCE_TAGS } from '../../jobs/pack/engine/release-name';
import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { isInternal } from '../../lib/domain/internal-release';
import type { MetadataOverrides, ReleaseOptions, Source } from '../../lib/domain/release-options';
import { ConflictError } from '../../lib/errors';

/** The rules' dupe order: RETAiL beats HYBRiD beats SCAN. */
const SOURCE_RANK: Record<Source, number> = { SCAN: 0, HYBRID: 1, RETAIL: 2 };
const BEST_RANK = Math.max(...Object.values(SOURCE_RANK));

/** What makes two releases the same book: the same bytes, the same ISBN, or the same title, author and year. */
interface BookIdentity {
  sha256: string;
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

function identityOf(sha256: string, book: { isbn?: string; title?: string; authors?: string[]; year?: number }): BookIdentity {
  const author = book.authors?.[0];
  const titleKey = book.title && author && book.year ? `${words(book.title).join(' ')}|${words(author).sort().join(' ')}|${book.year}` : undefined;
  return { sha256, isbn: normalizeIsbn(book.isbn), titleKey };
}

/** What a request (or a release not yet enriched) knows of its book: the file's metadata under the operator's overrides. */
function requestedBook(embedded: EmbeddedMetadata | null, overrides: MetadataOverrides) {
  return {
    isbn: overrides.isbn ?? embedded?.isbn,
    title: overrides.title ?? embedded?.title,
    authors: overrides.authors ?? embedded?.authors,
    year: overrides.year ?? embedded?.year,
  };
}

const sameBook = (a: BookIdentity, b: BookIdentity) =>
  a.sha256 === b.sha256 || (a.isbn !== undefined && a.isbn === b.isbn) || (a.titleKey !== undefined && a.titleKey === b.titleKey);

/**
 * Refuses a release the dupe order makes a dupe: a SCAN or HYBRiD of a book that already has a
 * release of a better source (RETAiL beats HYBRiD beats SCAN) in any group, live or published,
 * answers 409 DUPE naming it. A better source after a worse one is an upgrade and goes ahead; an
 * iNTERNAL release always does. Releases that failed or were cancelled (and deleted ones) do not count.
 */
export async function refuseOutrankedSource(upload: Pick<Upload, 'sha256' | 'metadata'>, options: ReleaseOptions): Promise<void> {
  if (isInternal(options)) return;
  const rank = SOURCE_RANK[options.source];
  // Nothing outranks the best source: no need to read every live release of the type.
  if (rank === BEST_RANK) return;
  const requested = identityOf(upload.sha256, requestedBook(upload.metadata, options.overrides));
  const live = await Release.query()
    .select('releases.*', 'uploads.sha256 as uploadSha256')
    .join('uploads', 'uploads.id', 'releases.uploadId')
    .where('releases.type', options.type)
    .whereNotIn('releases.state', ['failed', 'cancelled']);
  // The best source first, so the refusal names the release that beats the request most.
  const better = live
    .filter((r) => SOURCE_RANK[r.options.source] > rank && !isInternal(r.options))
    .sort((a, b) => SOURCE_RANK[b.options.source] - SOURCE_RANK[a.options.source]);
  if (better.length === 0) return;
  const uploads = new Map((await Upload.query().findByIds([...new Set(better.map((r) => r.uploadId))])).map((u) => [u.id, u]));
  const dupe = better.find((release) => {
    const enriched = release.metadata as unknown as EnrichedBook | null;
    const book = enriched?.record ?? requestedBook(uploads.get(release.uploadId)?.metadata ?? null, release.options.overrides);
    return sameBook(requested, identityOf((release as Release & { uploadSha256: string }).uploadSha256, book));
  });
  if (!dupe) return;
  const existing = SOURCE_TAGS[dupe.options.source];
  const what = dupe.name ? `${dupe.name} (release ${dupe.id})` : `release ${dupe.id}, still ${dupe.state}`;
  throw new ConflictError(
    `A ${existing} release of this book exists: ${what}. ${SOURCE_TAGS[options.source]} after ${existing} is a dupe (RETAiL beats HYBRiD beats SCAN); ask for an iNTERNAL release to pack it anyway`,
    'DUPE',
    { releaseId: dupe.id, name: dupe.name, state: dupe.state, source: dupe.options.source },
  );
}
