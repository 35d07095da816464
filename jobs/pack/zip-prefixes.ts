import { Release } from '../../db/models';
import { ZIP_VARIANTS } from './engine/volume-names';

/**
 * Rule 3.0: zip names unique within the year. Each release records the prefix its zip names start
 * with (release_zip_prefixes, one row per release); a release takes the first variant of its names
 * whose prefix no other release of the year holds. Its own row never counts against it, so a
 * rerun (or the preview of a stored release) finds the same variant again.
 */
const TABLE = 'release_zip_prefixes';
const CLAIM_ATTEMPTS = 5;

export type PrefixOf = (variant: number) => string;

/** How many variants are looked up by key before the year's whole list is read. */
const FIRST_VARIANTS = 8;

/**
 * The variant a release would get now (reads only; `releaseId` undefined for a request not yet
 * stored). Nearly every release gets its classic names or one of the next few, so those prefixes
 * are looked up by the (year, prefix) key first; the year's whole list (one row per release of the
 * year) is read only when all of them are taken. Either way the first free variant in order wins.
 */
export async function freeZipVariant(releaseId: string | undefined, year: number, prefixOf: PrefixOf): Promise<number> {
  const first = Array.from({ length: FIRST_VARIANTS }, (_, variant) => prefixOf(variant));
  const takenFirst = await takenPrefixes(releaseId, year, first);
  const free = first.findIndex((prefix) => !takenFirst.has(prefix));
  if (free >= 0) return free;
  const taken = await takenPrefixes(releaseId, year);
  for (let variant = FIRST_VARIANTS; variant < ZIP_VARIANTS; variant++) if (!taken.has(prefixOf(variant))) return variant;
  throw new Error(`all ${ZIP_VARIANTS} zip name variants of ${prefixOf(0)} are taken in ${year}`);
}

/** The prefixes other releases hold in the year: among `among`, or all of them. */
async function takenPrefixes(releaseId: string | undefined, year: number, among?: string[]): Promise<Set<string>> {
  const rows: { prefix: string }[] = await Release.knex()(TABLE)
    .where({ year })
    .modify((q) => (among ? q.whereIn('prefix', among) : q))
    .modify((q) => (releaseId ? q.whereNot({ releaseId }) : q))
    .select('prefix');
  return new Set(rows.map((r) => r.prefix));
}

/**
 * Records the release's prefix and returns its variant. Two releases claiming the same prefix at
 * once: the unique (year, prefix) key lets one win, the other looks again.
 */
export async function claimZipVariant(releaseId: string, year: number, prefixOf: PrefixOf): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const variant = await freeZipVariant(releaseId, year, prefixOf);
    const row = { releaseId, year, prefix: prefixOf(variant) };
    try {
      // A release's first claim is one insert, refused when the release already holds a row (a
      // rerun) or another took the prefix meanwhile; the row is then replaced in a transaction.
      if (attempt === 1 && (await insertNew(row))) return variant;
      await Release.transaction(async (trx) => {
        const own = await trx(TABLE).where({ releaseId }).first();
        if (own?.year === row.year && own.prefix === row.prefix) return;
        await trx(TABLE).where({ releaseId }).delete();
        await trx(TABLE).insert(row);
      });
      return variant;
    } catch (err) {
      if (attempt >= CLAIM_ATTEMPTS || !isConflict(err as Error)) throw err;
    }
  }
}

/** A claim that lost to a key (or to a deadlock on MySQL): looked at again. */
const isConflict = (err: Error) => /unique|duplicate|deadlock/i.test(err.message);

/** Inserts a release's row; false when a key refuses it. */
async function insertNew(row: { releaseId: string; year: number; prefix: string }): Promise<boolean> {
  try {
    await Release.knex()(TABLE).insert(row);
    return true;
  } catch (err) {
    if (isConflict(err as Error)) return false;
    throw err;
  }
}

/** Gives a release's prefix back (a release that failed for good publishes no zips). */
export async function releaseZipPrefix(releaseId: string): Promise<void> {
  await Release.knex()(TABLE).where({ releaseId }).delete();
}

/** The year zip names must be unique within: the release's own (release date) year. */
export function zipYearOf(release: { releaseDate: string }): number {
  return Number(release.releaseDate.slice(0, 4));
}
