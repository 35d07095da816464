import type { Group } from '../../db/models';
import { BookRecord, knowsCreator } from '../metadata/book-record';
import type { ReleaseOptions } from '../../lib/domain/release-options';

export interface ReviewReason {
  code: string;
  message: string;
  /** True when approving cannot help: the release cannot be packed until the facts are edited. */
  blocking: boolean;
}

export type ReviewPolicy = Pick<Group, 'approvalRequired' | 'confidenceThreshold' | 'retailProofRequired'>;

/** A group's policy when the release has no group row (the defaults of the schema). */
export const DEFAULT_REVIEW_POLICY: ReviewPolicy = { approvalRequired: false, confidenceThreshold: 0, retailProofRequired: true };

export interface ReviewSubject {
  record: BookRecord;
  confidence: number;
  options: Pick<ReleaseOptions, 'source' | 'proofUrl' | 'force'>;
  policy: ReviewPolicy;
  /** Rule checks of the planned release that failed (name, format, volume plan, NFO/DIZ limits). */
  failedChecks: { check: string; detail?: string }[];
}

/**
 * Why a release must wait for a person before it is packed. Missing facts, a low confidence and
 * the group's "approve everything" wait for an approval; a missing title, a broken rule or a
 * RETAiL release without its proof wait for an edit (approving does not pack them).
 */
export function reviewReasonsOf({ record, confidence, options, policy, failedChecks }: ReviewSubject): ReviewReason[] {
  const reasons: ReviewReason[] = [];
  const add = (code: string, message: string, blocking: boolean) => reasons.push({ code, message, blocking });
  if (!record.title) add('MISSING_TITLE', 'no title is known for this book', true);
  if (!knowsCreator(record)) add('MISSING_AUTHOR', 'neither an author nor a publisher is known', false);
  if (!record.year) add('MISSING_YEAR', 'the publication year is unknown', false);
  if (!record.language) add('MISSING_LANGUAGE', 'the language is unknown', false);
  if (confidence < policy.confidenceThreshold) {
    add('LOW_CONFIDENCE', `the metadata confidence ${confidence} is below the group's threshold ${policy.confidenceThreshold}`, false);
  }
  if (policy.retailProofRequired && options.source === 'RETAIL' && !options.proofUrl) {
    add('RETAIL_PROOF_MISSING', 'a RETAiL release needs a proof URL (a store page) in its NFO', true);
  }
  for (const { check, detail } of failedChecks) {
    if (check === 'dirname-rules' && options.force) continue;
    add('RULE_BROKEN', `${check}: ${detail ?? 'failed'}`, true);
  }
  if (policy.approvalRequired) add('APPROVAL_REQUIRED', 'the group approves every release before it is packed', false);
  return reasons;
}
