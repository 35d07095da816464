import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { Release, Upload } from '../../db/models';
import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { defineJob } from '../job-definition';
import { JobName, QueueName } from '../../lib/domain/queue-names';
import { enterStep, failRelease } from '../release-state';
import { readUploadedBook } from './read-uploaded-book';
import { RejectedFileError } from './rejected-file-error';

/** Either a fresh upload (uploadId) or the first step of a release flow (releaseId). */
export const inspectPayload = z.union([z.object({ uploadId: z.string().uuid() }).strict(), z.object({ releaseId: z.string().uuid() }).strict()]);
export type InspectPayload = z.infer<typeof inspectPayload>;

/**
 * Identifies the stored file by its bytes and reads its embedded metadata into the upload row.
 * Idempotent: an upload already inspected is not read again.
 */
export const inspectJob = defineJob<InspectPayload>({
  queue: QueueName.Upload,
  name: JobName.Inspect,
  payload: inspectPayload,
  subject: (data) => data,
  async process(job, data, { config, logger }): Promise<EmbeddedMetadata> {
    let uploadId: string;
    let upload: Upload | undefined;
    if ('releaseId' in data) {
      // The release is read with its upload in one query.
      const release = await Release.query().findById(data.releaseId).withGraphJoined('upload');
      if (!release) throw new UnrecoverableError(`release ${data.releaseId} no longer exists`);
      await enterStep(release.id, 'inspect');
      uploadId = release.uploadId;
      upload = release.upload;
    } else {
      uploadId = data.uploadId;
      upload = await Upload.query().findById(uploadId);
    }
    if (!upload) throw new UnrecoverableError(`upload ${uploadId} no longer exists`);
    if (upload.status === 'inspected' && upload.metadata) return upload.metadata;
    if (upload.status === 'rejected') throw new UnrecoverableError(`not a usable eBook: ${upload.error}`);

    await upload.$query().patch({ status: 'inspecting' });
    await job.updateProgress(10);
    try {
      const metadata = await readUploadedBook(config, uploadId);
      await upload.$query().patch({ status: 'inspected', format: metadata.format, metadata, error: null });
      await job.updateProgress(100);
      logger.info('upload inspected', { uploadId, format: metadata.format, title: metadata.title });
      return metadata;
    } catch (err) {
      if (!(err instanceof RejectedFileError)) throw err;
      await upload.$query().patch({ status: 'rejected', error: err.message });
      throw new UnrecoverableError(`not a usable eBook: ${err.message}`);
    }
  },
  async onFinalFailure(data, reason) {
    if ('releaseId' in data) await failRelease(data.releaseId, 'inspect', reason);
    else await Upload.query().patch({ status: 'rejected', error: reason }).where({ id: data.uploadId }).whereNot({ status: 'rejected' });
  },
});
