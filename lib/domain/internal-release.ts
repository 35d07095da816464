import type { ReleaseOptions } from './release-options';

/** The name tag of an internal release (rules: a source the dupe order refuses needs `.iNTERNAL.`). */
export const INTERNAL_TAG = 'iNTERNAL';

/** Whether a release is internal: asked for with `internal`, or given the tag among its extra tags. */
export function isInternal(options: Pick<ReleaseOptions, 'internal' | 'extraTags'>): boolean {
  return options.internal === true || (options.extraTags ?? []).some((t) => t.toUpperCase() === INTERNAL_TAG.toUpperCase());
}
