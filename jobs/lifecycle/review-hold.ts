import { Release } from '../../db/models';
import type { JobQueue } from '../job-queue';
import type { EnrichedBook } from '../enrich/merge';
import { overallProgress } from '../release-state';
import { previewRelease } from './release-preview';

/**
 * The end of enrichment: a release with reasons to wait stops in `review` (the flow ends there,
 * nothing fails); any other goes on to its pack job. Running it again decides the same way. The
 * release is the one the enrich job read (nothing but the job changes it while it enriches).
 */
export async function holdOrPack(release: Release, uploadSize: number, enriched: EnrichedBook, queue: JobQueue): Promise<'review' | 'pack'> {
  const { reviewReasons } = await previewRelease(release, enriched, uploadSize);
  if (reviewReasons.length > 0) {
    await Release.query()
      .patch({ state: 'review', step: 'review', progress: overallProgress('enrich', 1), reviewReasons: reviewReasons.map((r) => r.message) })
      .where({ id: release.id });
    return 'review';
  }
  await queue.enqueuePack(release.id);
  return 'pack';
}
