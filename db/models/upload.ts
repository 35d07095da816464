import { BaseModel } from './base-model';
import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';

export type UploadStatus = 'stored' | 'inspecting' | 'inspected' | 'rejected';

export class Upload extends BaseModel {
  static override tableName = 'uploads';
  static override dateFields = ['createdAt', 'updatedAt'];
  static override jsonAttributes = ['metadata'];

  id!: string;
  userId!: number;
  originalName!: string;
  storedName!: string;
  size!: number;
  sha256!: string;
  status!: UploadStatus;
  format!: string | null;
  metadata!: EmbeddedMetadata | null;
  error!: string | null;
  createdAt!: Date;
  updatedAt!: Date;
}
