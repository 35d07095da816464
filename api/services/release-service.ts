import { createHash, randomUUID } from 'node:crypto';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { stableStringify } from '../../lib/stable-json';
import { Release, User } from '../../db/models';
import type { UploadService } from './upload-service';
import type { JobQueue } from '../../jobs/job-queue';
import type { ReleaseOptions } from '../../jobs/release-options';

export interface ReleaseRequest {
  uploadId: string;
  options: ReleaseOptions;
}

/** Release requests: idempotent creation, the flow that builds them, visibility and cancel. */
export class ReleaseService {
  constructor(
    private readonly queue: JobQueue,
    private readonly uploads: UploadService,
    private readonly logger: Logger,
  ) {}

  async request(user: User, { uploadId, options }: ReleaseRequest): Promise<{ release: Release; created: boolean }> {
    if (options.force && user.role !== 'admin') throw new ForbiddenError('Only an admin can force a release name that breaks the rules');
    const upload = await this.uploads.getVisible(user, uploadId);
    if (upload.status === 'rejected') throw new ConflictError(`Upload ${uploadId} was rejected: ${upload.error}`, 'UPLOAD_REJECTED');

    const requestKey = createHash('sha256').update(`${uploadId}\n${stableStringify(options)}`).digest('hex');
    const existing = await Release.query().findOne({ requestKey });
    if (existing) return { release: existing, created: false };

    const id = randomUUID();
    let release: Release;
    try {
      release = await Release.query().insertAndFetch({
        id,
        uploadId,
        userId: user.id,
        requestKey,
        options,
        state: 'queued',
        progress: 0,
        releaseDate: new Date().toISOString().slice(0, 10),
      });
    } catch (err) {
      // A concurrent identical request inserted first.
      const winner = await Release.query().findOne({ requestKey });
      if (winner) return { release: winner, created: false };
      throw err;
    }
    try {
      await this.queue.startReleaseFlow(id);
    } catch (err) {
      await Release.query().deleteById(id);
      throw err;
    }
    this.logger.info('release requested', { releaseId: id, uploadId, userId: user.id });
    return { release, created: true };
  }

  async list(user: User): Promise<Release[]> {
    const query = Release.query().orderBy('createdAt', 'desc').limit(500);
    return user.role === 'admin' ? await query : await query.where({ userId: user.id });
  }

  async getVisible(user: User, id: string): Promise<Release> {
    const release = await Release.query().findById(id).withGraphFetched('files(ordered)').modifiers({
      ordered: (q) => q.orderBy('fileName'),
    });
    if (!release || (user.role !== 'admin' && release.userId !== user.id)) throw new NotFoundError(`Release ${id}`);
    return release;
  }

  async cancel(user: User, id: string): Promise<Release> {
    const release = await this.getVisible(user, id);
    if (release.state !== 'queued') throw new ConflictError(`Release is ${release.state}; only a queued release can be cancelled`, 'NOT_CANCELLABLE');
    let removed: boolean;
    try {
      removed = await this.queue.cancelReleaseFlow(id);
    } catch (err) {
      // BullMQ refuses to remove a job a worker holds the lock of.
      if (err instanceof Error && /locked/i.test(err.message)) removed = false;
      else throw err;
    }
    if (!removed) throw new ConflictError('The release has started; it can no longer be cancelled', 'NOT_CANCELLABLE');
    return release.$query().patchAndFetch({ state: 'cancelled', finishedAt: new Date() });
  }
}
