import path from 'node:path';
import type { Config } from '../config';
import { LocalObjectStore } from './local-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore, s3ClientOf } from './s3-object-store';

export * from './object-store';
export { ReleaseStore, ReleaseDraft, ReleaseConflictError } from './release-store';
export type { ReleaseManifest, ManifestFile, UncommittedAttempt } from './release-store';

/** The configured store: S3 when STORAGE=s3, else objects as files under DATA_DIR/objects. */
export function objectStoreOf(config: Pick<Config, 'storage' | 'objectStorage'>): ObjectStore {
  const settings = config.objectStorage;
  if (settings.kind === 's3') return new S3ObjectStore(s3ClientOf(settings), settings.bucket);
  return new LocalObjectStore(path.join(config.storage.dataDir, 'objects'));
}
