import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { Release } from '../../db/models';
import type { WorkerContext } from '../job-definition';
import { defineJob } from '../job-definition';
import { JobName, QueueName } from '../../lib/domain/queue-names';
import { enterStep, failRelease } from '../release-state';
import { EnrichedBook, mergeBook } from './merge';
import { createProviders, lookUp, Providers } from './providers';
import { bookQueryOf } from './book-query';
import { providerKeysOf } from './provider-keys';
import { holdOrPack } from '../lifecycle/review-hold';
import { SettingsRepository } from '../../db/settings-repository';
import { stableStringify } from '../../lib/stable-json';
import { progressGate } from '../job-progress';

export const enrichPayload = z.object({ releaseId: z.string().uuid() }).strict();
export type EnrichPayload = z.infer<typeof enrichPayload>;

/**
 * Providers are built once per worker process and set of keys: keys an admin changes in the
 * configuration API apply from the next job, without a restart.
 */
const providersByContext = new WeakMap<WorkerContext, Map<string, Providers>>();
async function providersOf(context: WorkerContext): Promise<Providers> {
  const keys = await providerKeysOf(new SettingsRepository(context.config));
  const byKeys = providersByContext.get(context) ?? new Map<string, Providers>();
  providersByContext.set(context, byKeys);
  const id = stableStringify(keys);
  if (!byKeys.has(id)) {
    byKeys.clear();
    byKeys.set(id, createProviders(context.config, context.redis, keys));
  }
  return byKeys.get(id)!;
}

/**
 * Builds the release's book record from the embedded metadata, the catalogues (by ISBN, else by
 * title and author) and the operator's overrides, looks up the film or series of a tie-in, keeping every provider's normalised answer and
 * status in the release so an operator can see why a value was chosen. Then holds the release in
 * review or enqueues its pack job (jobs/lifecycle/review-hold.ts).
 */
export const enrichJob = defineJob<EnrichPayload>({
  queue: QueueName.Enrich,
  name: JobName.Enrich,
  payload: enrichPayload,
  subject: (data) => data,
  async process(job, { releaseId }, context): Promise<EnrichedBook | null> {
    // Progress only once the catalogues have kept the job a while (jobs/job-progress.ts).
    const progressDue = progressGate();
    // The release is read with its upload and group in one query, and handed on to the review decision below.
    const release = await Release.query().findById(releaseId).withGraphJoined('[upload, group]');
    if (!release) throw new UnrecoverableError(`release ${releaseId} no longer exists`);
    const { upload } = release;
    if (!upload?.metadata) throw new UnrecoverableError(`upload ${release.uploadId} has not been inspected`);
    if (!(await enterStep(releaseId, 'enrich'))) {
      context.logger.info('enrich skipped: the release has moved on', { releaseId, state: release.state });
      return release.metadata as unknown as EnrichedBook | null;
    }
    const { overrides } = release.options;
    const embedded = upload.metadata;
    const query = bookQueryOf(embedded, overrides);
    const providers = await providersOf(context);
    const outcomes = query.isbn || query.title ? await lookUp(providers.books, providers.cache, query) : [];
    if (progressDue()) await job.updateProgress(60);
    const { tieIn } = release.options;
    const tieIns = tieIn ? await lookUp(providers.tieIns, providers.cache, tieIn) : undefined;
    if (progressDue()) await job.updateProgress(90);
    const enriched: EnrichedBook = { ...mergeBook(embedded.format, embedded, overrides, query, outcomes), ...(tieIns ? { tieIns } : {}) };
    await release.$query().patch({ metadata: enriched as unknown as Record<string, unknown> });
    context.logger.info('release enriched', {
      releaseId,
      confidence: enriched.confidence,
      providers: outcomes.map((o) => `${o.provider}:${o.status}`).join(','),
    });
    if (progressDue()) await job.updateProgress(100);
    const next = await holdOrPack(release, upload.size, enriched, context.queue);
    if (next === 'review') context.logger.info('release held for review', { releaseId });
    return enriched;
  },
  async onFinalFailure({ releaseId }, reason) {
    await failRelease(releaseId, 'enrich', reason);
  },
});
