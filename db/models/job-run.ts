import { BaseModel } from './base-model';

export class JobRun extends BaseModel {
  static override tableName = 'job_runs';
  static override dateFields = ['startedAt', 'finishedAt'];
  static override timestamps = false;

  id!: number;
  queue!: string;
  jobId!: string;
  jobName!: string;
  attempt!: number;
  releaseId!: string | null;
  uploadId!: string | null;
  state!: 'active' | 'completed' | 'failed';
  error!: string | null;
  startedAt!: Date;
  finishedAt!: Date | null;
}
