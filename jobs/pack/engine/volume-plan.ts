import { ALLOWED_VOLUME_SIZES_MB } from '../../release-options';

export const MAX_VOLUMES = 99;
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
 * Splits a book of `bookBytes` into volumes of an allowed size. Without a requested size the
 * smallest allowed size that needs no more than 99 volumes is used.
 */
export function planVolumes(bookBytes: number, textBytes: number, requestedMb?: number): VolumePlan {
  const sizes = requestedMb ? [requestedMb] : [...ALLOWED_VOLUME_SIZES_MB];
  for (const volumeSizeMb of sizes) {
    if (!(ALLOWED_VOLUME_SIZES_MB as readonly number[]).includes(volumeSizeMb)) {
      throw new VolumePlanError(`volume size ${volumeSizeMb} MB is not allowed; use one of ${ALLOWED_VOLUME_SIZES_MB.join(', ')}`);
    }
    const volumeBytes = volumeSizeMb * 1_000_000;
    const partBytes = volumeBytes - textBytes - ZIP_OVERHEAD_BYTES;
    const volumes = Math.max(1, Math.ceil(bookBytes / partBytes));
    if (volumes <= MAX_VOLUMES) return { volumeSizeMb, volumeBytes, partBytes, volumes };
  }
  throw new VolumePlanError(
    requestedMb
      ? `a ${bookBytes}-byte book needs more than ${MAX_VOLUMES} volumes of ${requestedMb} MB; choose a larger size`
      : `a ${bookBytes}-byte book does not fit in ${MAX_VOLUMES} volumes of the largest allowed size`,
  );
}
