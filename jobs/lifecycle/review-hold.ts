import { Release, Upload } from '../../db/models';
import type { JobQueue } from '../job-queue';
import type { EnrichedBook } from '../enrich/merge';
import { overallProgress } from '../release-state';
import { previewRelease } from './release-preview';

/**
 * The end of enrichment: a release with reasons to wait stops in `review` (the flow ends there,
 * nothing fails); any other goes on to its pack job. Running it again decides the same way.
 */
export async function holdOrPack(releaseId: string, enriched: EnrichedBook, queue: JobQueue): Promise<'review' | 'pack'> {
  const release = await Release.query().findById(releaseId);
  const upload = release && (await Upload.query().findById(release.uploadId));
  if (!release || !upload) return 'pack';
  const { reviewReasons } = await previewRelease(release, enriched, upload.size);
  if (reviewReasons.length > 0) {
    await Release.query()
      .patch({ state: 'review', step: 'review', progress: overallProgress('enrich', 1), reviewReasons: reviewReasons.map((r) => r.message) })
      .where({ id: releaseId });
    return 'review';
  }
  await queue.enqueuePack(releaseId);
  return 'pack';
}
