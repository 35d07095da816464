import path from 'node:path';
import type { Config } from '../lib/config';

/** Where stored uploads live: named by upload id only, so client file names never become paths. */
export function uploadPath(config: Pick<Config, 'storage'>, uploadId: string): string {
  return path.join(config.storage.uploadDir, uploadId);
}
