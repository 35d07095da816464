import path from 'node:path';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { Destination, Release, ReleaseDistribution, ReleaseFile } from '../../db/models';
import { defineJob } from '../job-definition';
import { JobName, QueueName } from '../../lib/domain/queue-names';
import { connectionOf } from './connection';
import { openSession, RemoteSession, TransferError } from './transfer';
import { openReleaseFile } from '../stored-files';

export const distributePayload = z.object({ releaseId: z.string().uuid(), destinationId: z.number().int().positive() }).strict();
export type DistributePayload = z.infer<typeof distributePayload>;

const PARTIAL_SUFFIX = '.part';
const PROGRESS_STEP = 0.05;

/**
 * Sends a packed release folder to one destination, as `<remotePath>/<release name>/`. Each file
 * goes to `<file>.part` and is renamed once its remote size matches, so the remote side never
 * shows half a file under its real name. After a dropped connection the retry resumes each
 * `.part` from its remote size; files already in place with the right size are skipped. A
 * transfer that moves no byte for the connection timeout is given up and retried the same way. At the
 * end every file is verified by size, and by SHA-256 where the server can compute it.
 */
export const distributeJob = defineJob<DistributePayload>({
  queue: QueueName.Distribute,
  name: JobName.Distribute,
  payload: distributePayload,
  subject: ({ releaseId }) => ({ releaseId }),
  async process(job, { releaseId, destinationId }, { config, logger }) {
    const distribution = await ReleaseDistribution.query().findOne({ releaseId, destinationId });
    const release = await Release.query().findById(releaseId);
    const destination = await Destination.query().findById(destinationId);
    if (!distribution || !release || !destination) throw new UnrecoverableError('the release, its destination or the distribution no longer exists');
    if (distribution.state === 'done') return { skipped: 'already delivered' };
    if (release.state !== 'done' || !release.name) throw new UnrecoverableError(`release is ${release.state}, not packed`);
    if (!destination.enabled) throw new UnrecoverableError(`destination ${destination.name} is disabled`);

    const files = await ReleaseFile.query().where({ releaseId }).whereIn('kind', ['zip', 'nfo', 'diz']).orderBy('fileName');
    const total = files.reduce((sum, f) => sum + Number(f.size), 0);
    await distribution.$query().patch({ state: 'uploading', attempts: job.attemptsMade + 1, error: null });

    let session: RemoteSession;
    try {
      session = await openSession(connectionOf(config, destination));
    } catch (err) {
      throw await attemptFailed(distribution, err);
    }
    const releaseName = release.name;
    const remoteDir = path.posix.join(destination.remotePath, releaseName);
    let done = 0;
    let reported = 0;
    let resumedBytes = 0;
    const report = async (bytes: number) => {
      const fraction = total ? bytes / total : 1;
      if (fraction - reported < PROGRESS_STEP && fraction < 1) return;
      reported = fraction;
      await Promise.all([
        job.updateProgress({ bytes, total }),
        ReleaseDistribution.query().patch({ bytesSent: bytes, progress: Math.round(fraction * 100) }).where({ id: distribution.id }),
      ]);
    };
    try {
      await session.ensureDir(remoteDir);
      for (const file of files) {
        // From RELEASES_FOLDER or the object store (a ranged read when resuming).
        const open = (from: number) => openReleaseFile(config, releaseName, file.fileName, { start: from });
        const finalPath = path.posix.join(remoteDir, file.fileName);
        const size = Number(file.size);
        if ((await session.size(finalPath)) === size) {
          done += size;
          continue;
        }
        const partialPath = finalPath + PARTIAL_SUFFIX;
        let offset = (await session.size(partialPath)) ?? 0;
        if (offset > size) {
          await session.remove(partialPath);
          offset = 0;
        }
        resumedBytes += offset;
        let writes: Promise<unknown> = Promise.resolve();
        await session.upload(open, partialPath, offset, (sent) => {
          writes = writes.then(() => report(done + offset + sent)).catch(() => undefined);
        });
        await writes;
        const remoteSize = await session.size(partialPath);
        if (remoteSize !== size) throw new TransferError(`${file.fileName}: the server holds ${remoteSize} of ${size} bytes`, false);
        await session.rename(partialPath, finalPath);
        done += size;
        await report(done);
      }
      const verifiedBy = await verify(session, remoteDir, files);
      await distribution.$query().patch({ state: 'done', progress: 100, bytesSent: total, verifiedBy, error: null, finishedAt: new Date() });
      logger.info('release delivered', { releaseId, destination: destination.name, bytes: total, resumedBytes, verifiedBy });
      return { destination: destination.name, bytes: total, resumedBytes, verifiedBy };
    } catch (err) {
      throw await attemptFailed(distribution, err);
    } finally {
      session.close();
    }
  },
  async onFinalFailure({ releaseId, destinationId }, reason) {
    await ReleaseDistribution.query().patch({ state: 'failed', error: reason, finishedAt: new Date() }).where({ releaseId, destinationId });
  },
});

/** Sizes always; SHA-256 too when the server answers for every file. A mismatch removes the file, so the retry sends it again. */
async function verify(session: RemoteSession, remoteDir: string, files: ReleaseFile[]): Promise<string> {
  let hashed = 0;
  for (const file of files) {
    const remotePath = path.posix.join(remoteDir, file.fileName);
    const size = await session.size(remotePath);
    if (size !== Number(file.size)) throw new TransferError(`${file.fileName}: remote size ${size}, expected ${file.size}`, false);
    const sha256 = await session.sha256(remotePath);
    if (sha256 === undefined) continue;
    if (sha256 !== file.sha256) {
      await session.remove(remotePath);
      throw new TransferError(`${file.fileName}: remote SHA-256 differs from the packed file`, false);
    }
    hashed++;
  }
  return hashed === files.length ? 'size+sha256' : 'size';
}

/** Records the failed attempt; a permanent failure stops the retries, others wait for the backoff. */
async function attemptFailed(distribution: ReleaseDistribution, err: unknown): Promise<Error> {
  const message = err instanceof Error ? err.message : String(err);
  await distribution.$query().patch({ state: 'queued', error: `attempt failed, retrying: ${message}` });
  if (err instanceof TransferError && err.permanent) return new UnrecoverableError(message);
  return err instanceof Error ? err : new Error(message);
}
