import { NfoTemplate, Release, Upload } from '../../db/models';
import { bookQueryOf } from '../../jobs/enrich/book-query';
import { EnrichedBook, mergeBook } from '../../jobs/enrich/merge';
import { ruleOf } from '../../jobs/pack/release-rule';
import { UnprocessableError } from '../../lib/errors';
import type { ReleaseEdit, ReleaseOptions } from '../../lib/domain/release-options';
import { assertAllExist } from './references';

/**
 * A release's options and template after an edit: book facts become overrides (they win over
 * every catalogue and the file), the rest replace the request's options. Checks the volume size
 * against the release's rule and that the template exists.
 */
export async function applyEdit(release: Pick<Release, 'options' | 'nfoTemplateId' | 'ruleId'>, edit: ReleaseEdit) {
  const { source, extraTags, proofUrl, volumeSizeMb, templateId, ...facts } = edit;
  const options: ReleaseOptions = {
    ...release.options,
    overrides: { ...release.options.overrides, ...facts },
    ...(source ? { source } : {}),
    ...(extraTags ? { extraTags } : {}),
    ...(volumeSizeMb ? { volumeSizeMb } : {}),
  };
  if (proofUrl !== undefined) {
    if (proofUrl === null) delete options.proofUrl;
    else options.proofUrl = proofUrl;
  }
  if (volumeSizeMb !== undefined) {
    const { limits } = await ruleOf(release);
    if (!limits.volumeSizesMb.includes(volumeSizeMb)) {
      throw new UnprocessableError(`The rule allows volumes of ${limits.volumeSizesMb.join(', ')} MB, not ${volumeSizeMb}`, 'VOLUME_SIZE_NOT_ALLOWED');
    }
  }
  if (templateId) await assertAllExist(NfoTemplate, [templateId], 'templateId');
  return { options, nfoTemplateId: templateId === undefined ? release.nfoTemplateId : templateId };
}

/**
 * The enrichment merged again with new overrides, from the providers' answers already stored (a
 * new ISBN or title is asked of the providers by a rematch, not by an edit).
 */
export async function remerge(release: Release, enriched: EnrichedBook, options: ReleaseOptions): Promise<EnrichedBook> {
  const upload = await Upload.query().findById(release.uploadId);
  if (!upload?.metadata) throw new UnprocessableError('The upload of this release has no inspected metadata', 'NOT_ENRICHED');
  const query = bookQueryOf(upload.metadata, options.overrides);
  return { ...enriched, ...mergeBook(upload.metadata.format, upload.metadata, options.overrides, query, enriched.providers) };
}
