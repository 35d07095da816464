import type { Config } from '../../lib/config';
import { ConflictError, NotFoundError, UnprocessableError } from '../../lib/errors';
import type { Redis } from '../../lib/redis';
import { Release, Upload } from '../../db/models';
import type { SettingsRepository } from '../../db/settings-repository';
import { bookQueryOf } from '../../jobs/enrich/book-query';
import { EnrichedBook, mergeBook } from '../../jobs/enrich/merge';
import { providerKeysOf } from '../../jobs/enrich/provider-keys';
import { createProviders, lookUp } from '../../jobs/enrich/providers';
import type { BookQuery, ProviderOutcome } from '../../jobs/enrich/providers/provider-record';
import { previewRelease, ReleasePreview } from '../../jobs/lifecycle/release-preview';
import { UNSUPPORTED_TYPES } from '../../lib/domain/release-options';
import type { Actor } from './actor';
import type { ReleaseRequest, ReleaseService } from './release-service';
import type { UploadService } from './upload-service';

/**
 * Dry runs: what a request, or a stored release, would publish (name, rule checks, NFO, each DIZ,
 * volumes and zip names, metadata with sources), planned by the packer's own functions. Writes
 * nothing but the providers' shared response cache.
 */
export class ReleasePreviewService {
  constructor(
    private readonly config: Config,
    private readonly redis: Redis,
    private readonly settings: SettingsRepository,
    private readonly releases: ReleaseService,
    private readonly uploads: UploadService,
  ) {}

  async previewRequest(actor: Actor, { uploadId, options }: ReleaseRequest): Promise<ReleasePreview> {
    if (options.type !== 'EBOOK') throw new UnprocessableError(`${options.type} releases are not supported yet: ${UNSUPPORTED_TYPES[options.type]}`, 'TYPE_NOT_SUPPORTED');
    const upload = inspected(await this.uploads.getVisible(actor, uploadId));
    const resolved = await this.releases.resolveOptions(actor, options);
    const query = bookQueryOf(upload.metadata, options.overrides);
    const outcomes = query.isbn || query.title ? await this.lookUpBooks(query) : [];
    const enriched = mergeBook(upload.metadata.format, upload.metadata, options.overrides, query, outcomes);
    const subject = {
      options: { ...options, volumeSizeMb: resolved.volumeSizeMb },
      releaseDate: new Date().toISOString().slice(0, 10),
      ruleId: resolved.ruleId,
      nfoTemplateId: resolved.templateId,
      groupId: resolved.groupId,
      followUpKind: null,
      followsName: null,
      followUpReason: null,
    };
    return previewRelease(subject, enriched, upload.size);
  }

  /** The preview of a stored release from its enrichment (none before the enrich step has run). */
  async previewOf(actor: Actor, id: string): Promise<ReleasePreview> {
    return this.previewStored(await this.releases.getVisible(actor, id));
  }

  async previewStored(release: Release): Promise<ReleasePreview> {
    const enriched = enrichmentOf(release);
    const upload = await Upload.query().findById(release.uploadId);
    if (!upload) throw new NotFoundError(`Upload ${release.uploadId}`);
    return previewRelease(release, enriched, upload.size);
  }

  /** Every book catalogue, through the shared cache and rate limits, with the keys in force. */
  async lookUpBooks(query: BookQuery): Promise<ProviderOutcome[]> {
    const { books, cache } = createProviders(this.config, this.redis, await providerKeysOf(this.settings));
    return lookUp(books, cache, query);
  }
}

type Inspected = Upload & { metadata: NonNullable<Upload['metadata']> };

function inspected(upload: Upload): Inspected {
  if (upload.status === 'rejected') throw new ConflictError(`Upload ${upload.id} was rejected: ${upload.error}`, 'UPLOAD_REJECTED');
  if (!upload.metadata) throw new ConflictError(`Upload ${upload.id} has not been inspected yet; try again shortly`, 'UPLOAD_NOT_INSPECTED');
  return upload as Inspected;
}

/** The stored enrichment of a release; a release not yet enriched has no preview. */
export function enrichmentOf(release: Release): EnrichedBook {
  const enriched = release.metadata as unknown as EnrichedBook | null;
  if (!enriched?.record) throw new ConflictError(`Release ${release.id} has not been enriched yet (it is ${release.state})`, 'NOT_ENRICHED');
  return enriched;
}
