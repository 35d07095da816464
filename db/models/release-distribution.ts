import { BaseModel } from './base-model';

export const DISTRIBUTION_STATES = ['queued', 'uploading', 'done', 'failed'] as const;
export type DistributionState = (typeof DISTRIBUTION_STATES)[number];

/** One release's delivery to one destination. */
export class ReleaseDistribution extends BaseModel {
  static override tableName = 'release_distributions';
  static override dateFields = ['createdAt', 'updatedAt', 'finishedAt'];

  id!: number;
  releaseId!: string;
  destinationId!: number;
  state!: DistributionState;
  progress!: number;
  bytesSent!: number;
  attempts!: number;
  /** How the remote copy was checked: "size" or "size+sha256". */
  verifiedBy!: string | null;
  error!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
  finishedAt!: Date | null;
}
