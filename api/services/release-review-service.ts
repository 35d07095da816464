import { ConflictError, ForbiddenError, UnprocessableError } from '../../lib/errors';
import { normalizeIsbn } from '../../lib/domain/isbn';
import type { Logger } from '../../lib/logger';
import { Release } from '../../db/models';
import type { JobQueue } from '../../jobs/job-queue';
import { matchesQuery } from '../../jobs/enrich/merge';
import type { BookQuery, ProviderRecord } from '../../jobs/enrich/providers/provider-record';
import type { ReleasePreview } from '../../jobs/lifecycle/release-preview';
import type { ReleaseEdit } from '../../lib/domain/release-options';
import type { Actor } from './actor';
import { applyEdit, remerge } from './release-edit';
import { enrichmentOf, ReleasePreviewService } from './release-preview-service';
import type { ReleaseService } from './release-service';

export interface RematchCandidate {
  provider: string;
  /** Whether the record is about the book asked for (same ISBN, or same title and author). */
  matches: boolean;
  record: ProviderRecord;
}

/**
 * Releases waiting in `review`: correcting their facts, asking the catalogues again, and approving
 * them, which enqueues the pack step the flow stopped before. Someone else's release is reached
 * only with releases:MOD (ReleaseService.getVisible).
 */
export class ReleaseReviewService {
  constructor(
    private readonly releases: ReleaseService,
    private readonly previews: ReleasePreviewService,
    private readonly queue: JobQueue,
    private readonly logger: Logger,
  ) {}

  async edit(actor: Actor, id: string, edit: ReleaseEdit): Promise<{ release: Release; preview: ReleasePreview }> {
    const release = await this.inReview(actor, id);
    const { options, nfoTemplateId } = await applyEdit(release, edit);
    const metadata = await remerge(release, enrichmentOf(release), options);
    const preview = await this.previews.previewStored(Object.assign(release.$clone(), { options, nfoTemplateId, metadata }));
    // Guarded: an edit racing an approval (or a cancel) must not change a release that left review.
    const edited = await Release.query()
      .patch({ options, nfoTemplateId, metadata: metadata as unknown as Record<string, unknown>, reviewReasons: preview.reviewReasons.map((r) => r.message) })
      .where({ id, state: 'review' });
    if (!edited) throw new ConflictError('The release left review meanwhile (approved or cancelled); the edit was not saved', 'NOT_IN_REVIEW');
    const updated = (await Release.query().findById(id))!;
    this.logger.info('release edited in review', { releaseId: id, userId: actor.user.id, fields: Object.keys(edit) });
    return { release: updated, preview };
  }

  /** Continues the flow: the release is packed, unless a reason approving cannot lift remains. */
  async approve(actor: Actor, id: string): Promise<Release> {
    const release = await this.inReview(actor, id);
    const { reviewReasons } = await this.previews.previewStored(release);
    const blocking = reviewReasons.filter((r) => r.blocking);
    if (blocking.length) {
      throw new ConflictError(`The release cannot be packed yet: ${blocking.map((r) => r.message).join('; ')}`, 'REVIEW_BLOCKED', { reasons: blocking });
    }
    // A group that approves every release wants it checked by someone who may manage every release
    // (a lead or an admin), not waved through by the member who asked for it.
    if (reviewReasons.some((r) => r.code === 'APPROVAL_REQUIRED') && !actor.can('releases', 'MOD')) {
      throw new ForbiddenError('The group approves every release: a user with releases:MOD must approve it', 'APPROVAL_NEEDS_MOD');
    }
    const claimed = await Release.query()
      .patch({ state: 'queued', step: 'pack', reviewReasons: null, approvedBy: actor.user.id, approvedAt: new Date() })
      .where({ id, state: 'review' });
    if (!claimed) throw new ConflictError('The release is no longer in review', 'NOT_IN_REVIEW');
    try {
      await this.queue.enqueuePack(id);
    } catch (err) {
      await Release.query().patch({ state: 'review', step: 'review', approvedBy: null, approvedAt: null, reviewReasons: release.reviewReasons }).where({ id });
      throw err;
    }
    this.logger.info('release approved', { releaseId: id, userId: actor.user.id, ownerId: release.userId });
    return (await Release.query().findById(id))!;
  }

  /** Asks every catalogue again with the operator's query; nothing is stored until an edit picks a candidate. */
  async rematch(actor: Actor, id: string, asked: { isbn: string } | { title: string; author?: string }): Promise<{ query: BookQuery; candidates: RematchCandidate[]; outcomes: unknown[] }> {
    await this.inReview(actor, id);
    const isbn = 'isbn' in asked ? normalizeIsbn(asked.isbn) : undefined;
    if ('isbn' in asked && !isbn) throw new UnprocessableError(`${asked.isbn} is not a valid ISBN`, 'INVALID_ISBN');
    const query: BookQuery = isbn ? { isbn } : (asked as { title: string; author?: string });
    const outcomes = await this.previews.lookUpBooks(query);
    const candidates = outcomes.flatMap((o) => (o.status === 'found' ? [{ provider: o.provider, matches: matchesQuery(o.record, query), record: o.record }] : []));
    return { query, candidates, outcomes: outcomes.map(({ provider, status, ...rest }) => ({ provider, status, reason: 'reason' in rest ? rest.reason : undefined })) };
  }

  private async inReview(actor: Actor, id: string): Promise<Release> {
    const release = await this.releases.getVisible(actor, id);
    if (release.state !== 'review') throw new ConflictError(`Release is ${release.state}; only a release in review can be edited, rematched or approved`, 'NOT_IN_REVIEW');
    return release;
  }
}
