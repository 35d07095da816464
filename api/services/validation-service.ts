import type { Config } from '../../lib/config';
import { ConflictError } from '../../lib/errors';
import { Group } from '../../db/models';
import { checkPublishedRelease, RuleCheck } from '../../jobs/pack/engine/check-release';
import { bookRecordOf, ruleOf } from '../../jobs/pack/release-rule';
import { publishedFolder } from '../../jobs/stored-files';
import type { Actor } from './actor';
import type { ReleaseService } from './release-service';

export interface ReleaseValidation {
  releaseId: string;
  /** The rule checked against; null means the built-in 2022 eBook rules. */
  rule: { id: number; section: string; year: number; scene: string } | null;
  passed: boolean;
  checks: RuleCheck[];
}

/** GET /api/releases/:id/validation: the published release, as stored (folder or object store), checked against its rule. */
export class ValidationService {
  constructor(
    private readonly config: Config,
    private readonly releases: ReleaseService,
  ) {}

  async validate(actor: Actor, id: string): Promise<ReleaseValidation> {
    const release = await this.releases.getVisible(actor, id);
    const format = bookRecordOf(release)?.format;
    if (release.state !== 'done' || !release.name || !format) {
      throw new ConflictError(`Release is ${release.state}; only a packed release can be validated`, 'NOT_PACKED');
    }
    const { rule, limits } = await ruleOf(release);
    const group = release.groupId ? await Group.query().findById(release.groupId) : undefined;
    const checks = await checkPublishedRelease(
      { folder: publishedFolder(this.config, release.name), name: release.name, format, group: group?.tag ?? release.options.group },
      limits,
    );
    return {
      releaseId: id,
      rule: rule ? { id: rule.id, section: rule.section, year: rule.year, scene: rule.scene } : null,
      passed: checks.every((c) => c.passed),
      checks,
    };
  }
}
