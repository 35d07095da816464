import { BaseModel } from './base-model';
import { ReleaseDistribution } from './release-distribution';
import { Group } from './group';
import { ReleaseFile } from './release-file';
import { Upload } from './upload';
import { BookFacts, enrichmentBookKeys } from '../../lib/domain/book-identity';
import type { FollowUpKind, ReleaseOptions } from '../../lib/domain/release-options';

export const RELEASE_STATES = ['queued', 'inspecting', 'enriching', 'review', 'packing', 'done', 'failed', 'cancelled'] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

/**
 * The columns a row of the release list (GET /api/releases) carries: the documented release fields
 * (the API's `Release` shape) and `metadata`, which the web app labels unnamed releases by. The
 * rest (request key, follow-up, approval, template and rule ids...) is in GET /api/releases/:id.
 */
export const RELEASE_LIST_COLUMNS = ['id', 'uploadId', 'userId', 'state', 'step', 'progress', 'error', 'name', 'options', 'reviewReasons', 'metadata', 'createdAt', 'updatedAt'] as const;
export type ReleaseListItem = Pick<Release, (typeof RELEASE_LIST_COLUMNS)[number]>;

export class Release extends BaseModel {
  static override tableName = 'releases';
  static override dateFields = ['createdAt', 'updatedAt', 'finishedAt', 'approvedAt'];
  static override jsonAttributes = ['options', 'metadata', 'reviewReasons'];

  id!: string;
  uploadId!: string;
  userId!: number;
  requestKey!: string;
  options!: ReleaseOptions;
  state!: ReleaseState;
  step!: string | null;
  progress!: number;
  error!: string | null;
  name!: string | null;
  releaseDate!: string;
  metadata!: Record<string, unknown> | null;
  /** The enriched book's ISBN-13 and title key, for finding its other releases by index (lib/domain/book-identity.ts); kept by keyTheBook. */
  bookIsbn!: string | null;
  bookTitleKey!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
  finishedAt!: Date | null;
  type!: string;
  groupId!: number | null;
  ruleId!: number | null;
  nfoTemplateId!: number | null;
  /** The release this one fixes (PROPER, REPACK, NFOFiX, DiRFiX, READNFO), with the kind and why. */
  followsId!: string | null;
  /** The fixed release's name, kept for the NFO statement even if that release is deleted. */
  followsName!: string | null;
  followUpKind!: FollowUpKind | null;
  followUpReason!: string | null;
  /** Why the release waits in `review`; empty once approved. */
  reviewReasons!: string[] | null;
  approvedBy!: number | null;
  approvedAt!: Date | null;
  files?: ReleaseFile[];
  distributions?: ReleaseDistribution[];
  upload?: Upload;
  /** Null when fetched for a release without a group. */
  group?: Group | null;

  override $beforeInsert(): void {
    super.$beforeInsert();
    this.keyTheBook();
  }

  override $beforeUpdate(): void {
    super.$beforeUpdate();
    this.keyTheBook();
  }

  /** The book keys follow the enrichment wherever it is written, so no writer stores one without the other. */
  private keyTheBook(): void {
    if (this.metadata === undefined) return;
    Object.assign(this, enrichmentBookKeys(this.metadata as { record?: BookFacts } | null));
  }

  static override relationMappings = () => ({
    files: {
      relation: BaseModel.HasManyRelation,
      modelClass: ReleaseFile,
      join: { from: 'releases.id', to: 'release_files.releaseId' },
    },
    distributions: {
      relation: BaseModel.HasManyRelation,
      modelClass: ReleaseDistribution,
      join: { from: 'releases.id', to: 'release_distributions.releaseId' },
    },
    upload: {
      relation: BaseModel.BelongsToOneRelation,
      modelClass: Upload,
      join: { from: 'releases.uploadId', to: 'uploads.id' },
    },
    group: {
      relation: BaseModel.BelongsToOneRelation,
      modelClass: Group,
      join: { from: 'releases.groupId', to: 'groups.id' },
    },
  });
}
