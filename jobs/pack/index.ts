import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { Release, ReleaseFile, Upload } from '../../db/models';
import type { BookRecord } from '../metadata/book-record';
import { languageName } from '../metadata/language';
import { toIsbn10 } from '../metadata/isbn';
import { defineJob } from '../job-definition';
import { JobName, QueueName } from '../names';
import { enterStep, failRelease, reportProgress } from '../release-state';
import { uploadPath } from '../storage-paths';
import { packRelease, PackError } from './engine/pack-release';
import { buildReleaseName, validateReleaseName } from './engine/release-name';
import { VolumePlanError } from './engine/volume-plan';

export const packPayload = z.object({ releaseId: z.string().uuid() }).strict();
export type PackPayload = z.infer<typeof packPayload>;

const PROGRESS_STEP = 0.05;

/**
 * Names, checks and packs the release, then records its files. Safe to run again after a crash:
 * the engine publishes atomically and deterministically, and the file rows are replaced in one
 * transaction.
 */
export const packJob = defineJob<PackPayload>({
  queue: QueueName.Pack,
  name: JobName.Pack,
  payload: packPayload,
  subject: (data) => data,
  async process(job, { releaseId }, { config, logger }) {
    const release = await Release.query().findById(releaseId);
    if (!release) throw new UnrecoverableError(`release ${releaseId} no longer exists`);
    if (release.state === 'done') return { name: release.name };
    const upload = await Upload.query().findById(release.uploadId);
    const record = (release.metadata as { record?: BookRecord } | null)?.record;
    if (!upload || !record) throw new UnrecoverableError('the release has no inspected upload or book record');
    await enterStep(releaseId, 'pack');

    const { group, source, volumeSizeMb, force } = release.options;
    if (!record.title) throw new UnrecoverableError('no title known for this book: give one in overrides.title');
    const year = record.year ?? Number(release.releaseDate.slice(0, 4));
    const name = buildReleaseName({
      authors: record.authors,
      publisher: record.publisher,
      title: record.title,
      edition: record.edition,
      year,
      language: record.language,
      source,
      format: record.format,
      group,
    });
    const problems = validateReleaseName(name, { format: record.format, group });
    if (problems.length > 0 && !force) {
      throw new UnrecoverableError(`release name ${name} breaks the rules: ${problems.map((p) => p.message).join('; ')}`);
    }

    let reported = 0;
    // Progress writes run one after another and are awaited before the final state is written, so a
    // late one can never overwrite "done" (and a failed write is logged, not an unhandled rejection).
    let progressWrites: Promise<unknown> = Promise.resolve();
    try {
      const result = await packRelease({
        sourcePath: uploadPath(config, upload.id),
        expectedSha256: upload.sha256,
        releasesDir: config.storage.releasesDir,
        volumeSizeMb,
        facts: {
          name,
          title: record.title,
          subtitle: record.subtitle,
          authors: record.authors,
          publisher: record.publisher,
          publishDate: record.publishDate,
          year,
          releaseDate: release.releaseDate,
          languageName: languageName(record.language),
          source,
          format: record.format,
          isbn: record.isbn ? [record.isbn, toIsbn10(record.isbn)].filter(Boolean).join(' / ') : undefined,
          pages: record.pages,
          description: record.description,
          group,
        },
        onProgress: (fraction) => {
          if (fraction - reported < PROGRESS_STEP && fraction < 1) return;
          reported = fraction;
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
      logger.info('release packed', { releaseId, name, volumes: result.volumes });
      return { name, volumes: result.volumes, files: result.files.map((f) => f.fileName) };
    } catch (err) {
      if (err instanceof PackError || err instanceof VolumePlanError) throw new UnrecoverableError(err.message);
      throw err;
    }
  },
  async onFinalFailure({ releaseId }, reason) {
    await failRelease(releaseId, 'pack', reason);
  },
});
