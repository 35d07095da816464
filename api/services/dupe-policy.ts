import { Release, ReleaseState, Upload } from '../../db/models';
import type { EnrichedBook } from '../../jobs/enrich/merge';
import { SOURCE_TAGS } from '../../jobs/pack/engine/release-name';
import { BookIdentity, identityOf, requestedBook, sameBook, storedTitleKey } from '../../lib/domain/book-identity';
import { isInternal } from '../../lib/domain/internal-release';
import type { ReleaseOptions, Source } from '../../lib/domain/release-options';
import { ConflictError } from '../../lib/errors';
import type { Actor } from './actor';

/** The rules' dupe order: RETAiL beats HYBRiD beats SCAN. */
const SOURCE_RANK: Record<Source, number> = { SCAN: 0, HYBRID: 1, RETAIL: 2 };
const BEST_RANK = Math.max(...Object.values(SOURCE_RANK));

/** A release not yet enriched has no stored identity: its book is what its upload and overrides say. */
const NOT_YET_ENRICHED: ReleaseState[] = ['queued', 'inspecting', 'enriching'];

/**
 * The ids of the releases that can be the requested book, each part read by an index: those of
 * its bytes, of its ISBN, of its title key, and those not yet enriched (as many as are in flight).
 * Which of them are the book is decided in code, as for any release. A query of their own, so
 * that no planner can read every release of the type and look each up among them instead.
 */
async function candidateIds(requested: BookIdentity): Promise<string[]> {
  const knex = Release.knex();
  const ids = knex.select('releases.id').from('releases').join('uploads', 'uploads.id', 'releases.uploadId').where('uploads.sha256', requested.sha256);
  ids.union((q) => q.select('id').from('releases').whereIn('state', NOT_YET_ENRICHED));
  if (requested.isbn) ids.union((q) => q.select('id').from('releases').where('bookIsbn', requested.isbn!));
  if (requested.titleKey) ids.union((q) => q.select('id').from('releases').where('bookTitleKey', storedTitleKey(requested.titleKey!)));
  return ((await ids) as { id: string }[]).map((row) => row.id);
}

/**
 * Refuses a release the dupe order makes a dupe: a SCAN or HYBRiD of a book that already has a
 * release of a better source (RETAiL beats HYBRiD beats SCAN) in any group, live or published,
 * answers 409 DUPE naming it. A better source after a worse one is an upgrade and goes ahead; an
 * iNTERNAL release always does. Releases that failed or were cancelled (and deleted ones) do not count.
 */
export async function refuseOutrankedSource(actor: Actor, upload: Pick<Upload, 'sha256' | 'metadata'>, options: ReleaseOptions): Promise<void> {
  if (isInternal(options)) return;
  const rank = SOURCE_RANK[options.source];
  // Nothing outranks the best source: no need to look up the book's releases.
  if (rank === BEST_RANK) return;
  const requested = identityOf(upload.sha256, requestedBook(upload.metadata, options.overrides));
  const candidates = await candidateIds(requested);
  if (candidates.length === 0) return;
  const live = await Release.query()
    .select('releases.*', 'uploads.sha256 as uploadSha256')
    .join('uploads', 'uploads.id', 'releases.uploadId')
    .whereIn('releases.id', candidates)
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
  const { what, details } = describeDupe(actor, dupe);
  throw new ConflictError(
    `A ${existing} release of this book exists: ${what}. ${SOURCE_TAGS[options.source]} after ${existing} is a dupe (RETAiL beats HYBRiD beats SCAN); ask for an iNTERNAL release to pack it anyway`,
    'DUPE',
    { ...details, source: dupe.options.source },
  );
}

/**
 * How a refusal names the release a request is a dupe of. Its name is public once published (the
 * scene knows releases by name); its id and state are the owner's business, so another user
 * (without releases:MOD) learns only the name, or that it is not named yet.
 */
export function describeDupe(actor: Actor, dupe: Pick<Release, 'id' | 'name' | 'state' | 'userId'>): { what: string; details: Record<string, unknown> } {
  if (actor.owns('releases', dupe.userId)) {
    const what = dupe.name ? `${dupe.name} (release ${dupe.id})` : `release ${dupe.id}, still ${dupe.state}`;
    return { what, details: { releaseId: dupe.id, name: dupe.name, state: dupe.state } };
  }
  return { what: dupe.name ? `${dupe.name} (another user's release)` : "another user's release, not named yet", details: { name: dupe.name } };
}
