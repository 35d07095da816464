import type { Release } from '../../db/models';
import { NFO_ONLY_KINDS } from '../../lib/domain/release-options';
import { INTERNAL_TAG, isInternal } from '../../lib/domain/internal-release';

/** Whether the release publishes only an NFO (NFOFiX, DiRFiX): it packs no book. */
export function isNfoOnly(release: Pick<Release, 'followUpKind'>): boolean {
  return release.followUpKind !== null && NFO_ONLY_KINDS.includes(release.followUpKind);
}

/**
 * What a follow-up release's NFO says about the release it fixes (rule 6.2: a PROPER must say
 * which release it replaces and why). Empty for a first release.
 */
export function followUpStatement(release: Pick<Release, 'followUpKind' | 'followsName' | 'followUpReason'>): string | undefined {
  if (!release.followUpKind) return undefined;
  return `${release.followUpKind} of ${release.followsName ?? 'an earlier release'}. Reason: ${release.followUpReason ?? 'not given'}`;
}

/** The name tags a release carries between SOURCE and FORMAT: the requested ones, iNTERNAL, then its follow-up kind. */
export function extraTagsOf(release: Pick<Release, 'options' | 'followUpKind'>): string[] {
  const requested = release.options.extraTags ?? [];
  const internal = release.options.internal && !isInternal({ extraTags: requested }) ? [INTERNAL_TAG] : [];
  return [...requested, ...internal, ...(release.followUpKind ? [release.followUpKind] : [])];
}
