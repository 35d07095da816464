import type { RuleLimits } from '../../../lib/domain/rule-limits';

/** Per-volume room kept for the DIZ, the NFO and ZIP headers, on top of their own sizes. */
const ZIP_OVERHEAD_BYTES = 4096;

export interface VolumePlan {
  volumeSizeMb: number;
  volumeBytes: number;
  /** Payload bytes of the book in each volume (the last holds the rest). */
  partBytes: number;
  volumes: number;
}

export class VolumePlanError extends Error {}

/**
 * Splits a book of `bookBytes` into volumes of a size the rule allows. Without a requested size
 * the smallest allowed size that needs no more than the rule's maximum of volumes is used.
 */
export function planVolumes(
  bookBytes: number,
  textBytes: number,
  limits: Pick<RuleLimits, 'volumeSizesMb' | 'maxVolumes'>,
  requestedMb?: number,
): VolumePlan {
  const allowed = [...limits.volumeSizesMb].sort((a, b) => a - b);
  const maxVolumes = limits.maxVolumes;
  const sizes = requestedMb ? [requestedMb] : allowed;
  for (const volumeSizeMb of sizes) {
    if (!allowed.includes(volumeSizeMb)) {
      throw new VolumePlanError(`volume size ${volumeSizeMb} MB is not allowed; use one of ${allowed.join(', ')}`);
    }
    const volumeBytes = volumeSizeMb * 1_000_000;
    const partBytes = volumeBytes - textBytes - ZIP_OVERHEAD_BYTES;
    const volumes = Math.max(1, Math.ceil(bookBytes / partBytes));
    if (volumes <= maxVolumes) return { volumeSizeMb, volumeBytes, partBytes, volumes };
  }
  throw new VolumePlanError(
    requestedMb
      ? `a ${bookBytes}-byte book needs more than ${maxVolumes} volumes of ${requestedMb} MB; choose a larger size`
      : `a ${bookBytes}-byte book does not fit in ${maxVolumes} volumes of the largest allowed size`,
  );
}
