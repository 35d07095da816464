import path from 'node:path';
import type { Config } from '../../lib/config';
import { NotFoundError } from '../../lib/errors';
import type { FileSink } from '../../lib/file-store';
import type { Logger } from '../../lib/logger';
import { Upload, User } from '../../db/models';
import type { JobQueue } from '../../jobs/job-queue';
import { paginate, PageQuery, Paginated } from '../pagination';
import type { Actor } from './actor';
import { dropReceivedUpload, keepReceivedUpload, keepRepeatIfLost, ReceivedUpload, removeUpload, uploadSink } from '../../jobs/stored-files';

export interface RegisteredUpload {
  upload: Upload;
  duplicate: boolean;
}

/** Stored uploads: registering a received file, dedupe per user by SHA-256, and visibility. */
export class UploadService {
  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly queue: JobQueue,
  ) {}

  /** Where an upload's bytes are received (`api/multipart.ts` streams the file part into it). */
  sink(): FileSink<ReceivedUpload> {
    return uploadSink(this.config, this.logger);
  }

  /** Keeps a received upload as a new row, or drops it when the user already has these bytes. */
  async register(user: User, file: ReceivedUpload & { originalName: string }): Promise<RegisteredUpload> {
    const id = file.uploadId;
    try {
      const existing = await Upload.query().findOne({ userId: user.id, sha256: file.sha256 });
      if (existing) {
        if (await keepRepeatIfLost(this.config, existing.id, file)) {
          this.logger.warn('upload restored: its stored file was missing, and the same bytes came again', { uploadId: existing.id, userId: user.id });
        }
        return { upload: existing, duplicate: true };
      }
      await keepReceivedUpload(this.config, file);
    } catch (err) {
      // Whatever happened, the received bytes are either kept or gone.
      await dropReceivedUpload(this.config, file);
      throw err;
    }
    let upload: Upload;
    try {
      upload = await Upload.query().insertAndFetch({
        id,
        userId: user.id,
        originalName: path.basename(file.originalName),
        storedName: id,
        size: file.size,
        sha256: file.sha256,
        status: 'stored',
      });
    } catch (err) {
      await removeUpload(this.config, id);
      // The same user uploaded the same bytes concurrently: answer with the row that won.
      const winner = await Upload.query().findOne({ userId: user.id, sha256: file.sha256 });
      if (winner) return { upload: winner, duplicate: true };
      throw err;
    }
    try {
      await this.queue.enqueueInspection(id);
    } catch (err) {
      // Without its job the upload would sit uninspected: undo, so the client can simply retry.
      await Upload.query().deleteById(id);
      await removeUpload(this.config, id);
      throw err;
    }
    this.logger.info('upload stored', { uploadId: id, userId: user.id, size: file.size });
    return { upload, duplicate: false };
  }

  async list(actor: Actor, page: PageQuery): Promise<Paginated<Upload>> {
    const query = Upload.query().orderBy('createdAt', 'desc');
    if (!actor.can('releases', 'MOD')) query.where({ userId: actor.user.id });
    return paginate(query, page);
  }

  /** The actor's upload (anyone's with releases:MOD) holding these bytes, if any. */
  async bySha256(actor: Actor, sha256: string): Promise<Upload | undefined> {
    const query = Upload.query().findOne({ sha256 });
    if (!actor.can('releases', 'MOD')) query.where({ userId: actor.user.id });
    return query;
  }

  /** An upload the user may see; someone else's is reported as not found, not forbidden. */
  async getVisible(actor: Actor, id: string): Promise<Upload> {
    const upload = await Upload.query().findById(id);
    if (!upload || !actor.owns('releases', upload.userId)) throw new NotFoundError(`Upload ${id}`);
    return upload;
  }
}
