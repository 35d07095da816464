import { BaseModel } from './base-model';
import { ReleaseDistribution } from './release-distribution';
import { ReleaseFile } from './release-file';
import type { ReleaseOptions } from '../../lib/domain/release-options';

export const RELEASE_STATES = ['queued', 'inspecting', 'enriching', 'packing', 'done', 'failed', 'cancelled'] as const;
export type ReleaseState = (typeof RELEASE_STATES)[number];

export class Release extends BaseModel {
  static override tableName = 'releases';
  static override dateFields = ['createdAt', 'updatedAt', 'finishedAt'];
  static override jsonAttributes = ['options', 'metadata'];

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
  createdAt!: Date;
  updatedAt!: Date;
  finishedAt!: Date | null;
  type!: string;
  groupId!: number | null;
  ruleId!: number | null;
  nfoTemplateId!: number | null;
  files?: ReleaseFile[];
  distributions?: ReleaseDistribution[];

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
  });
}
