import path from 'node:path';
import type { Config } from '../lib/config';
import { CHECKSUMS_DIR, INCOMING_DIR } from './pack/engine/pack-release';

/** Where stored uploads live: named by upload id only, so client file names never become paths. */
export function uploadPath(config: Pick<Config, 'storage'>, uploadId: string): string {
  return path.join(config.storage.uploadDir, uploadId);
}

/** Deleted releases wait here (moved aside by one rename) until their rows are gone. */
export const TRASH_DIR = '.trash';

/** The published folder and SFV of the release named `name` (the one row holding that name owns both). */
export function publishedPaths(config: Pick<Config, 'storage'>, name: string): { dir: string; sfv: string } {
  const root = config.storage.releasesDir;
  return { dir: path.join(root, name), sfv: path.join(root, CHECKSUMS_DIR, `${name}.sfv`) };
}

export function stagingRoot(config: Pick<Config, 'storage'>): string {
  return path.join(config.storage.releasesDir, INCOMING_DIR);
}

export function trashRoot(config: Pick<Config, 'storage'>): string {
  return path.join(config.storage.releasesDir, TRASH_DIR);
}
