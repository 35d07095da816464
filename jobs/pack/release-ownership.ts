import fsp from 'node:fs/promises';
import path from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { Config } from '../../lib/config';
import { Release } from '../../db/models';
import { releaseNameOfStaging } from './engine/pack-release';
import { enterStepPatch, SETTLED_STATES, whereStepMayStart } from '../release-state';
import { publishedPaths, stagingRoot } from '../storage-paths';
import { removeStoredRelease } from '../stored-files';

/**
 * A release name (its folder and SFV) belongs to exactly one release row: the unique `name`
 * column. A release claims its name before it packs; a rerun of the same release finds the name
 * already its own and may adopt its identical published folder; any other release with that name
 * fails without touching the owner's files. The same update enters the pack step, unless the
 * release has moved on past it (a late run of an old job), when nothing is written.
 *
 * Returns 'rerun' when the name was already this release's, 'moved-on' when nothing was written.
 */
export async function claimReleaseName(releaseId: string, currentName: string | null, name: string): Promise<'claimed' | 'rerun' | 'moved-on'> {
  try {
    const entered = await whereStepMayStart(Release.query().patch({ ...enterStepPatch('pack'), name }).where({ id: releaseId }), 'pack');
    if (!entered) return 'moved-on';
    return currentName === name ? 'rerun' : 'claimed';
  } catch (err) {
    const holder = await Release.query().findOne({ name }).whereNot({ id: releaseId });
    if (!holder) throw err;
    throw new UnrecoverableError(`the release name ${name} is already taken by release ${holder.id} (${holder.state}); this release is a dupe of it`);
  }
}

/**
 * Gives the name back without touching its published folder or SFV: packing found them taken by
 * someone else (NameTakenError), so they are not this release's leftovers. Its own staging folder
 * is discarded by the attempt itself.
 */
export async function giveUpTakenName(releaseId: string, name: string): Promise<void> {
  await Release.query().patch({ name: null }).where({ id: releaseId, name });
}

/**
 * After a release failed for good: removes what it may have left on disk (its staging folders and,
 * if it got that far, its published folder and SFV: a failed release publishes nothing) and gives
 * its name back, so the name is free for a later request. Only files of the name this row holds
 * are touched. Safe to run twice.
 */
export async function discardFailedRelease(config: Pick<Config, 'storage' | 'objectStorage'>, releaseId: string): Promise<void> {
  const release = await Release.query().findById(releaseId);
  if (!release?.name || release.state === 'done' || !SETTLED_STATES.includes(release.state)) return;
  await removeLeftovers(config, release.name);
  await Release.query().patch({ name: null }).where({ id: releaseId, name: release.name });
}

/**
 * Ends a release whose pack step failed for good: its leftovers go first, then one update marks it
 * failed and gives its name back, so nobody sees a failed release that still holds a name (and the
 * name is never free while files of it remain). A release that already settled is only discarded.
 */
export async function failPack(config: Pick<Config, 'storage' | 'objectStorage'>, releaseId: string, reason: string): Promise<void> {
  const release = await Release.query().findById(releaseId);
  if (!release) return;
  if (SETTLED_STATES.includes(release.state)) return discardFailedRelease(config, releaseId);
  if (release.name) await removeLeftovers(config, release.name);
  await Release.query()
    .patch({ state: 'failed', step: 'pack', error: reason, finishedAt: new Date(), name: null })
    .where({ id: releaseId })
    .whereNotIn('state', [...SETTLED_STATES]);
}

/** The staging folders, published folder and SFV of a name, locally and in the object store. */
async function removeLeftovers(config: Pick<Config, 'storage' | 'objectStorage'>, name: string): Promise<void> {
  const staging = stagingRoot(config);
  const entries = await fsp.readdir(staging).catch(() => [] as string[]);
  const { dir, sfv } = publishedPaths(config, name);
  const leftovers = [...entries.filter((e) => releaseNameOfStaging(e) === name).map((e) => path.join(staging, e)), dir, sfv];
  for (const target of leftovers) await fsp.rm(target, { recursive: true, force: true });
  await removeStoredRelease(config, name);
}
