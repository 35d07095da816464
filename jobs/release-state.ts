import type { QueryBuilder } from 'objection';
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

/**
 * Where each step may start: the state the step before hands the release over in, or the step's
 * own state (a retry). A release anywhere else has moved on, and a late run of an old job (one
 * BullMQ ran again after its lock expired, although it had finished) must leave it as it is.
 */
const STARTS_FROM: Record<ReleaseStep, { state: ReleaseState; step?: ReleaseStep | null }[]> = {
  inspect: [{ state: 'queued', step: null }, { state: 'inspecting' }],
  enrich: [{ state: 'queued', step: null }, { state: 'inspecting' }, { state: 'enriching' }],
  // Enrichment enqueues the pack job while the release is still enriching; an approval queues it for pack.
  pack: [{ state: 'queued', step: 'pack' }, { state: 'enriching' }, { state: 'packing' }],
};

/** Narrows an update of releases to those that may start `step` now. */
export function whereStepMayStart<Query extends QueryBuilder<Release, number>>(query: Query, step: ReleaseStep): Query {
  return query.where((either) => {
    for (const from of STARTS_FROM[step]) {
      either.orWhere((q) => {
        q.where('state', from.state);
        if (from.step === null) q.whereNull('step');
        else if (from.step) q.where('step', from.step);
      });
    }
  });
}

/** Enters `step`; false (and nothing written) when the release has moved on past it. */
export async function enterStep(releaseId: string, step: ReleaseStep): Promise<boolean> {
  return (await whereStepMayStart(Release.query().patch(enterStepPatch(step)).where({ id: releaseId }), step)) > 0;
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
