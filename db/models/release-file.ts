import { BaseModel } from './base-model';

export type ReleaseFileKind = 'zip' | 'nfo' | 'diz' | 'sfv';

export class ReleaseFile extends BaseModel {
  static override tableName = 'release_files';
  static override timestamps = false;

  id!: number;
  releaseId!: string;
  fileName!: string;
  kind!: ReleaseFileKind;
  size!: number;
  crc32!: string;
  sha256!: string;
}
