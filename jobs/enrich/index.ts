import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { Release, Upload } from '../../db/models';
import { BookRecord, embeddedLayer, mergeLayers, overridesLayer } from '../metadata/book-record';
import { defineJob } from '../job-definition';
import { JobName, QueueName } from '../names';
import { enterStep, failRelease } from '../release-state';

export const enrichPayload = z.object({ releaseId: z.string().uuid() }).strict();
export type EnrichPayload = z.infer<typeof enrichPayload>;

/**
 * Builds the release's book record: embedded metadata, then the operator's overrides on top.
 * (Catalogue providers join as layers between the two; see issue #5.)
 */
export const enrichJob = defineJob<EnrichPayload>({
  queue: QueueName.Enrich,
  name: JobName.Enrich,
  payload: enrichPayload,
  subject: (data) => data,
  async process(job, { releaseId }): Promise<BookRecord> {
    const release = await Release.query().findById(releaseId);
    if (!release) throw new UnrecoverableError(`release ${releaseId} no longer exists`);
    const upload = await Upload.query().findById(release.uploadId);
    if (!upload?.metadata) throw new UnrecoverableError(`upload ${release.uploadId} has not been inspected`);
    await enterStep(releaseId, 'enrich');
    const record = mergeLayers(upload.metadata.format, [embeddedLayer(upload.metadata), overridesLayer(release.options.overrides)]);
    await release.$query().patch({ metadata: { record } as unknown as Record<string, unknown> });
    await job.updateProgress(100);
    return record;
  },
  async onFinalFailure({ releaseId }, reason) {
    await failRelease(releaseId, 'enrich', reason);
  },
});
