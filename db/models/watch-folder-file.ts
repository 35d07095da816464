import type { WatchOutcome } from '../../lib/domain/watch-folder';
import { BaseModel } from './base-model';

/** One file content found in a group's watch folder, and what became of it. */
export class WatchFolderFile extends BaseModel {
  static override tableName = 'watch_folder_files';
  static override dateFields = ['createdAt', 'updatedAt'];

  id!: number;
  groupId!: number;
  sha256!: string;
  fileName!: string;
  size!: number;
  state!: WatchOutcome;
  uploadId!: string | null;
  releaseId!: string | null;
  error!: string | null;
  /** Where the file was moved after ingest (afterIngest: move). */
  movedTo!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}
