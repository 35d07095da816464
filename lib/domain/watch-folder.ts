import path from 'node:path';
import { z } from 'zod';
import { releaseOptionsSchema } from './release-options';

const absolutePath = z
  .string()
  .trim()
  .min(2)
  .max(1000)
  .refine((p) => path.isAbsolute(p) && !p.includes('\0'), 'an absolute folder path');

/**
 * A group's watch folder: every book that lands in `path` (and has stopped growing) is uploaded
 * and a release requested for the group with `options`; afterwards the file stays (`keep`) or is
 * moved into `doneFolder` / `failedFolder` (`move`; by default done/ and failed/ inside `path`).
 */
export const watchFolderSchema = z
  .object({
    path: absolutePath,
    options: releaseOptionsSchema.omit({ group: true, force: true }).default({}),
    afterIngest: z.enum(['keep', 'move']).default('keep'),
    doneFolder: absolutePath.optional(),
    failedFolder: absolutePath.optional(),
    /** The account releases are requested as (a member of the group); the first member when not given. */
    userId: z.number().int().positive().optional(),
    enabled: z.boolean().default(true),
  })
  .strict();
export type WatchFolder = z.infer<typeof watchFolderSchema>;

/** What became of one file found in a watch folder. */
export const WATCH_OUTCOMES = ['ingesting', 'requested', 'failed'] as const;
export type WatchOutcome = (typeof WATCH_OUTCOMES)[number];

export function doneFolderOf(watch: WatchFolder): string {
  return watch.doneFolder ?? path.join(watch.path, 'done');
}

export function failedFolderOf(watch: WatchFolder): string {
  return watch.failedFolder ?? path.join(watch.path, 'failed');
}
