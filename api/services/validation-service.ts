import path from 'node:path';
import type { Config } from '../../lib/config';
import { ConflictError } from '../../lib/errors';
import { Group, Rule } from '../../db/models';
import type { BookRecord } from '../../jobs/metadata/book-record';
import { checkPublishedRelease, RuleCheck } from '../../jobs/pack/engine/check-release';
import { EBOOK_2022_LIMITS } from '../../jobs/pack/engine/rule-limits';
import type { Actor } from './actor';
import type { ReleaseService } from './release-service';

export interface ReleaseValidation {
  releaseId: string;
  /** The rule checked against; null means the built-in 2022 eBook rules. */
  rule: { id: number; section: string; year: number; scene: string } | null;
  passed: boolean;
  checks: RuleCheck[];
}

/** GET /api/releases/:id/validation: the published release checked against its rule. */
export class ValidationService {
  constructor(
    private readonly config: Config,
    private readonly releases: ReleaseService,
  ) {}

  async validate(actor: Actor, id: string): Promise<ReleaseValidation> {
    const release = await this.releases.getVisible(actor, id);
    const format = (release.metadata as { record?: BookRecord } | null)?.record?.format;
    if (release.state !== 'done' || !release.name || !format) {
      throw new ConflictError(`Release is ${release.state}; only a packed release can be validated`, 'NOT_PACKED');
    }
    const rule = release.ruleId ? await Rule.query().findById(release.ruleId) : undefined;
    const group = release.groupId ? await Group.query().findById(release.groupId) : undefined;
    const checks = await checkPublishedRelease(
      { dir: path.join(this.config.storage.releasesDir, release.name), name: release.name, format, group: group?.tag ?? release.options.group },
      rule?.limits ?? EBOOK_2022_LIMITS,
    );
    return {
      releaseId: id,
      rule: rule ? { id: rule.id, section: rule.section, year: rule.year, scene: rule.scene } : null,
      passed: checks.every((c) => c.passed),
      checks,
    };
  }
}
