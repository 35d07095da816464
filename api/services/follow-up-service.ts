import { createHash, randomUUID } from 'node:crypto';
import { ConflictError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { stableStringify } from '../../lib/stable-json';
import { Release } from '../../db/models';
import type { FollowUpRequest } from '../../lib/domain/release-options';
import type { Actor } from './actor';
import { applyEdit } from './release-edit';
import type { ReleaseService } from './release-service';

/**
 * Follow-up releases (PROPER, REPACK, NFOFiX, DiRFiX, READNFO): each a new release of the same
 * upload, linked to the published one it fixes, with the kind's tag in its name and an NFO that
 * says which release it fixes and why. The published release is never touched.
 */
export class FollowUpService {
  constructor(
    private readonly releases: ReleaseService,
    private readonly logger: Logger,
  ) {}

  async create(actor: Actor, id: string, { kind, reason, changes }: FollowUpRequest): Promise<{ release: Release; created: boolean }> {
    const original = await this.releases.getVisible(actor, id);
    if (original.state !== 'done' || !original.name) throw new ConflictError(`Release is ${original.state}; only a published release can be followed up`, 'NOT_PUBLISHED');
    const requestKey = createHash('sha256').update(`follow-up\n${id}\n${kind}\n${stableStringify(changes)}`).digest('hex');
    const existing = await Release.query().findOne({ requestKey });
    if (existing) return { release: existing, created: false };

    const { options, nfoTemplateId } = await applyEdit(original, changes);
    const followUpId = randomUUID();
    const answer = await this.releases.createQueued(
      {
        id: followUpId,
        uploadId: original.uploadId,
        userId: actor.user.id,
        requestKey,
        options,
        type: original.type,
        groupId: original.groupId,
        ruleId: original.ruleId,
        nfoTemplateId,
        followsId: original.id,
        followsName: original.name,
        followUpKind: kind,
        followUpReason: reason,
      },
      (original.distributions ?? []).map((d) => d.destinationId),
      // A published release's upload was inspected: its follow-up starts at enrich.
      { uploadInspected: true },
    );
    if (answer.created) this.logger.info('follow-up requested', { releaseId: followUpId, follows: id, kind, userId: actor.user.id });
    return answer;
  }
}
