import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { NfoTemplate, Release, ReleaseDistribution, ReleaseFile } from '../../db/models';
import type { JobQueue } from '../job-queue';
import { defineJob } from '../job-definition';
import { JobName, QueueName } from '../../lib/domain/queue-names';
import { reportProgress } from '../release-state';
import { recordPacked } from '../../lib/metrics';
import { packStored } from '../stored-files';
import { NameTakenError, PackError } from './engine/pack-release';
import { NfoTooLargeError, renderNfoTemplate } from './engine/nfo-template';
import { validateReleaseName } from './engine/release-name';
import { releaseFactsOf, styleOfGroup } from './release-facts-of';
import { isNfoOnly } from '../lifecycle/follow-up-statement';
import { bookRecordOf, ruleOf } from './release-rule';
import { claimReleaseName, failPack, giveUpTakenName } from './release-ownership';
import { VolumePlanError } from './engine/volume-plan';
import { claimZipVariant, releaseZipPrefix, zipYearOf } from './zip-prefixes';
import { progressGate } from '../job-progress';

export const packPayload = z.object({ releaseId: z.string().uuid() }).strict();
export type PackPayload = z.infer<typeof packPayload>;

const PROGRESS_STEP = 0.05;

/**
 * Names, checks and packs the release, then records its files. Safe to run again after a crash:
 * the release claims its name first (one row per name), the engine publishes atomically and
 * deterministically, and the file rows are replaced in one transaction. A release that fails for
 * good leaves nothing on disk and gives its name back.
 */
export const packJob = defineJob<PackPayload>({
  queue: QueueName.Pack,
  name: JobName.Pack,
  payload: packPayload,
  subject: (data) => data,
  async process(job, { releaseId }, { config, logger, queue }) {
    // Progress only once the job has run a while: a small book is done (100%) before a report could matter (jobs/job-progress.ts).
    const progressDue = progressGate();
    // The release is read with its upload and group in one query.
    const release = await Release.query().findById(releaseId).withGraphJoined('[upload, group]');
    if (!release) throw new UnrecoverableError(`release ${releaseId} no longer exists`);
    if (release.state === 'done') {
      await enqueueDistributions(queue, releaseId);
      return { name: release.name };
    }
    const { upload } = release;
    const record = bookRecordOf(release);
    if (!upload || !record) throw new UnrecoverableError('the release has no inspected upload or book record');

    const { group, volumeSizeMb, force } = release.options;
    const title = record.title;
    if (!title) throw new UnrecoverableError('no title known for this book: give one in overrides.title');
    const { limits } = await ruleOf(release);
    if (!limits.formats.includes(record.format)) throw new UnrecoverableError(`the rule does not allow ${record.format} books (${limits.formats.join(', ')})`);
    const facts = releaseFactsOf(release, { ...record, title }, limits.dirnameMaxLength, styleOfGroup(release.group ?? undefined));
    const name = facts.name;
    const problems = validateReleaseName(name, { format: record.format, group, maxLength: limits.dirnameMaxLength });
    if (problems.length > 0 && !force) {
      throw new UnrecoverableError(`release name ${name} breaks the rules: ${problems.map((p) => p.message).join('; ')}`);
    }
    const template = release.nfoTemplateId ? await NfoTemplate.query().findById(release.nfoTemplateId) : undefined;
    // One update enters the pack step and claims the name; a release refused by the checks above
    // never enters it, and is marked failed in step pack all the same (onFinalFailure).
    const claim = await claimReleaseName(releaseId, release.name, name);
    if (claim === 'moved-on') {
      logger.info('pack skipped: the release has moved on', { releaseId, state: release.state });
      return { name: release.name };
    }
    const adoptExisting = claim === 'rerun';
    // One event for the step entered, so a live feed shows the release packing even when the book is
    // packed before any progress is worth reporting.
    await job.updateProgress(0);

    let reported = 0;
    // Progress writes run one after another and are awaited before the final state is written, so a
    // late one can never overwrite "done" (and a failed write is logged, not an unhandled rejection).
    let progressWrites: Promise<unknown> = Promise.resolve();
    const packStarted = performance.now();
    try {
      const result = await packStored(config, {
        uploadId: isNfoOnly(release) ? undefined : upload.id,
        // Hashed and recorded when the upload was stored; trusted rather than hashed again (a whole SHA-256 pass).
        knownSha256: upload.sha256,
        volumeSizeMb,
        maxBytesPerSecond: config.worker.packMaxBytesPerSecond,
        limits,
        renderNfo: template ? (f) => renderNfoTemplate(template.body, f, limits.nfoWidth) : undefined,
        facts,
        adoptExisting,
        chooseZipVariant: (prefixOf) => claimZipVariant(releaseId, zipYearOf(release), prefixOf),
        onProgress: (fraction) => {
          // Every 5%, and 100% once (the engine reports it again after publishing); none while the job is young.
          if (fraction <= reported || (fraction - reported < PROGRESS_STEP && fraction < 1)) return;
          reported = fraction;
          if (!progressDue()) return;
          progressWrites = progressWrites
            .then(() => Promise.all([job.updateProgress(Math.round(fraction * 100)), reportProgress(releaseId, 'pack', fraction)]))
            .catch((err: Error) => logger.warn('progress not recorded', { releaseId, error: err.message }));
        },
      }).finally(() => progressWrites);
      await Release.transaction(async (trx) => {
        await ReleaseFile.query(trx).delete().where({ releaseId });
        // One multi-row insert through knex (Objection's batch insert is Postgres-only).
        await trx(ReleaseFile.tableName).insert(result.files.map((f) => ({ releaseId, ...f })));
        await Release.query(trx)
          .patch({ state: 'done', step: null, progress: 100, name, error: null, finishedAt: new Date() })
          .where({ id: releaseId });
      });
      recordPacked(result.files.reduce((sum, f) => sum + Number(f.size), 0), (performance.now() - packStarted) / 1000);
      logger.info('release packed', { releaseId, name, volumes: result.volumes });
      await enqueueDistributions(queue, releaseId);
      return { name, volumes: result.volumes, files: result.files.map((f) => f.fileName) };
    } catch (err) {
      // The name's folder is someone else's: free the name first, so failing the release cannot remove it.
      if (err instanceof NameTakenError) await giveUpTakenName(releaseId, name);
      // Retrying cannot change these (an NFO too large comes from the template and the facts).
      if (err instanceof PackError || err instanceof VolumePlanError || err instanceof NfoTooLargeError) throw new UnrecoverableError(err.message);
      throw err;
    }
  },
  async onFinalFailure({ releaseId }, reason, { config }) {
    await failPack(config, releaseId, reason);
    await releaseZipPrefix(releaseId);
  },
});

/** Starts the uploads of a packed release to the destinations it was requested with. */
async function enqueueDistributions(queue: JobQueue, releaseId: string): Promise<void> {
  const pending = await ReleaseDistribution.query().where({ releaseId, state: 'queued' });
  for (const distribution of pending) await queue.enqueueDistribution(releaseId, distribution.destinationId);
}
