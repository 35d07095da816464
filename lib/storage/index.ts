import path from 'node:path';
import type { Config } from '../config';
import { LocalObjectStore } from './local-object-store';
import type { ObjectStore } from './object-store';

export * from './object-store';
export { ReleaseStore, ReleaseDraft, ReleaseConflictError } from './release-store';
export type { ReleaseManifest, ManifestFile, UncommittedAttempt } from './release-store';

/** The configured store: S3 when STORAGE=s3, else objects as files under DATA_DIR/objects. */
export function objectStoreOf(config: Pick<Config, 'storage' | 'objectStorage'>): ObjectStore {
  const settings = config.objectStorage;
  if (settings.kind === 's3') {
    // Loaded only when configured: the AWS SDK adds about 7 MB to every process that imports storage.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { S3ObjectStore, s3ClientOf } = require('./s3-object-store') as typeof import('./s3-object-store');
    return new S3ObjectStore(s3ClientOf(settings), settings.bucket);
  }
  return new LocalObjectStore(path.join(config.storage.dataDir, 'objects'));
}
