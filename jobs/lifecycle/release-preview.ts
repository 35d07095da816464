import { Group, NfoTemplate, Release } from '../../db/models';
import { BookRecord, knowsCreator } from '../metadata/book-record';
import type { EnrichedBook } from '../enrich/merge';
import { planReleaseNamed, ReleasePlan } from '../pack/engine/release-plan';
import { freeZipVariant, zipYearOf } from '../pack/zip-prefixes';
import { NfoTooLargeError, renderNfoTemplate } from '../pack/engine/nfo-template';
import { validateReleaseName } from '../pack/engine/release-name';
import { VolumePlanError } from '../pack/engine/volume-plan';
import { FactsSubject, releaseFactsOf, styleOfGroup } from '../pack/release-facts-of';
import { ruleOf } from '../pack/release-rule';
import { isNfoOnly } from './follow-up-statement';
import { DEFAULT_REVIEW_POLICY, ReviewReason, reviewReasonsOf } from './review-reasons';

/**
 * A release as planned, or a request not yet stored: what its preview depends on. `group`: the
 * group already read with the release (null: it has none); read here when absent.
 */
export type PreviewSubject = FactsSubject & Pick<Release, 'ruleId' | 'nfoTemplateId' | 'groupId'> & { id?: string; group?: Group | null };

export interface RuleCheck {
  check: string;
  passed: boolean;
  detail?: string;
}

export interface MetadataField {
  value: unknown;
  source: string;
  confidence: number;
}

export interface ReleasePreview {
  name: string;
  checks: RuleCheck[];
  reviewReasons: ReviewReason[];
  /** Absent when no volume plan fits the rule. */
  nfo?: { fileName: string; text: string };
  volumes?: { count: number; sizeMb: number; files: { zip: string; diz: string; part?: string }[] };
  metadata: { confidence: number; fields: Record<string, MetadataField>; providers: EnrichedBook['providers'] };
}

/**
 * Names and plans a release exactly as the pack job will (the same facts, rule, template and
 * planRelease), and says what would stop it in review. Reads only: nothing is written.
 */
export async function previewRelease(subject: PreviewSubject, enriched: EnrichedBook, sizeBytes: number): Promise<ReleasePreview> {
  const { record, confidence } = enriched;
  const { limits } = await ruleOf(subject);
  // Its naming style and its review policy.
  const group = subject.group !== undefined ? (subject.group ?? undefined) : subject.groupId ? await Group.query().findById(subject.groupId) : undefined;
  const facts = releaseFactsOf(subject, { ...record, title: record.title ?? '' }, limits.dirnameMaxLength, styleOfGroup(group));
  const template = subject.nfoTemplateId ? await NfoTemplate.query().findById(subject.nfoTemplateId) : undefined;
  const checks: RuleCheck[] = [];
  const check = (name: string, problems: string[]) => checks.push(problems.length ? { check: name, passed: false, detail: problems.join('; ') } : { check: name, passed: true });

  check('title', record.title ? [] : ['no title known']);
  check('format', limits.formats.includes(record.format) ? [] : [`the rule does not allow ${record.format} books (${limits.formats.join(', ')})`]);
  const nameProblems = validateReleaseName(facts.name, { format: record.format, group: subject.options.group, maxLength: limits.dirnameMaxLength });
  // The rules open every name with its author or publisher; a book naming neither is never packed nameless.
  const creatorProblems = knowsCreator(record) ? [] : ['the name opens with no author or publisher ([Author|Publisher].Title...)'];
  check('dirname-rules', [...nameProblems.map((p) => p.message), ...creatorProblems]);
  let plan: ReleasePlan | undefined;
  try {
    plan = await planReleaseNamed(
      {
        sizeBytes: isNfoOnly(subject) ? 0 : sizeBytes,
        facts,
        limits,
        volumeSizeMb: subject.options.volumeSizeMb,
        renderNfo: template ? (f) => renderNfoTemplate(template.body, f, limits.nfoWidth) : undefined,
      },
      // The zip names the pack job would claim now (their prefixes unique within the year).
      (prefixOf) => freeZipVariant(subject.id, zipYearOf(subject), prefixOf),
    );
    check('volume-plan', []);
    check('texts', plan.textProblems);
  } catch (err) {
    // An NFO over the size cap is the template's and the facts' doing: a broken rule held in review
    // (a shorter description or another template fixes it), never a failure to retry.
    if (err instanceof NfoTooLargeError) check('texts', [err.message]);
    else if (err instanceof VolumePlanError) check('volume-plan', [err.message]);
    else throw err;
  }

  const reviewReasons = reviewReasonsOf({
    record,
    confidence,
    options: subject.options,
    policy: group ?? DEFAULT_REVIEW_POLICY,
    failedChecks: checks.filter((c) => !c.passed && c.check !== 'title'),
  });
  return {
    name: facts.name,
    checks,
    reviewReasons,
    nfo: plan && { fileName: plan.nfoName, text: plan.nfoText },
    volumes: plan && {
      count: plan.volumes.volumes,
      sizeMb: plan.volumes.volumeSizeMb,
      files: plan.zipNames.map((zip, i) => ({ zip, diz: plan.dizTexts[i], part: plan.partNames[i] })),
    },
    metadata: { confidence, fields: fieldsOf(record, confidence), providers: enriched.providers },
  };
}

/**
 * Each merged field with where it came from and how far it can be trusted: an operator's value
 * fully, a catalogue's or the file's as far as the merged confidence goes (a PDF's own info
 * dictionary at most 0.3: it is often a word-processor leftover).
 */
function fieldsOf(record: BookRecord, confidence: number): Record<string, MetadataField> {
  const fields: Record<string, MetadataField> = {};
  for (const [field, source] of Object.entries(record.sources)) {
    if (!source) continue;
    const trust = source === 'override' ? 1 : source === 'embedded' && record.format === 'pdf' ? Math.min(0.3, confidence) : confidence;
    fields[field] = { value: record[field as keyof BookRecord], source, confidence: trust };
  }
  return fields;
}
