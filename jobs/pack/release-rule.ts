import { Release, Rule } from '../../db/models';
import type { BookRecord } from '../metadata/book-record';
import { EBOOK_2022_LIMITS, RuleLimits } from '../../lib/domain/rule-limits';

/** The rule a release was requested against and its limits (the 2022 eBook limits without one). */
export async function ruleOf(release: Pick<Release, 'ruleId'>): Promise<{ rule?: Rule; limits: RuleLimits }> {
  const rule = release.ruleId ? await Rule.query().findById(release.ruleId) : undefined;
  return { rule, limits: rule?.limits ?? EBOOK_2022_LIMITS };
}

/** The merged book record the enrich step stored in the release, once it has run. */
export function bookRecordOf(release: Pick<Release, 'metadata'>): BookRecord | undefined {
  return (release.metadata as { record?: BookRecord } | null)?.record;
}
