import { Release, ReleaseState } from '../db/models';

/** Overall progress bands per step, so one number (0-100) follows the whole flow. */
const BANDS: Record<'inspect' | 'enrich' | 'pack', [number, number]> = { inspect: [0, 10], enrich: [10, 20], pack: [20, 100] };

export type ReleaseStep = keyof typeof BANDS;

const STATE_OF_STEP: Record<ReleaseStep, ReleaseState> = { inspect: 'inspecting', enrich: 'enriching', pack: 'packing' };

/** States a release never leaves: nothing runs for it any more. */
export const SETTLED_STATES: readonly ReleaseState[] = ['done', 'failed', 'cancelled'];

export function overallProgress(step: ReleaseStep, fraction: number): number {
  const [from, to] = BANDS[step];
  return Math.round(from + (to - from) * Math.min(1, Math.max(0, fraction)));
}

export async function enterStep(releaseId: string, step: ReleaseStep): Promise<void> {
  await Release.query().patch(enterStepPatch(step)).where({ id: releaseId });
}

/** What entering a step writes to the release (for an update that writes more with it). */
export function enterStepPatch(step: ReleaseStep): Pick<Release, 'state' | 'step' | 'progress' | 'error'> {
  return { state: STATE_OF_STEP[step], step, progress: overallProgress(step, 0), error: null };
}

export async function reportProgress(releaseId: string, step: ReleaseStep, fraction: number): Promise<void> {
  await Release.query().patch({ progress: overallProgress(step, fraction) }).where({ id: releaseId });
}

/**
 * Marks a release failed with the step and reason, unless it has already settled: a failure
 * reported twice (by the processor and by the queue's event, or by the reconciler) keeps the
 * first, most specific reason, and a release that is done stays done.
 */
export async function failRelease(releaseId: string, step: ReleaseStep, reason: string): Promise<boolean> {
  const changed = await Release.query()
    .patch({ state: 'failed', step, error: reason, finishedAt: new Date() })
    .where({ id: releaseId })
    .whereNotIn('state', [...SETTLED_STATES]);
  return changed > 0;
}
