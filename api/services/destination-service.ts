import type { Config } from '../../lib/config';
import { ConflictError, NotFoundError, UnprocessableError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { SecretBox } from '../../lib/secret-box';
import { AuthType, Destination, Group, Protocol, ReleaseDistribution } from '../../db/models';
import { connectionOf } from '../../jobs/distribute/connection';
import { openSession, type ConnectionSettings } from '../../jobs/distribute/transfer';
import type { JobQueue } from '../../jobs/job-queue';
import { paginate, PageQuery, Paginated } from '../pagination';
import type { Actor } from './actor';
import type { ReleaseService } from './release-service';
import { assertDestinationsServe } from './destination-access';

/** A destination as created or edited: how to connect (its secret write-only: sealed when stored, never returned), plus its name, folder and switch. */
export interface DestinationInput extends Omit<ConnectionSettings, 'timeoutMs'> {
  name: string;
  remotePath: string;
  enabled: boolean;
}

export interface ConnectionTest {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** FTP, FTPS and SFTP destinations; their secrets are sealed on the way in and never come out. */
export class DestinationService {
  private readonly box: SecretBox;

  constructor(
    private readonly config: Config,
    private readonly queue: JobQueue,
    private readonly releases: ReleaseService,
    private readonly logger: Logger,
  ) {
    this.box = new SecretBox(config.secrets);
  }

  async list(query: PageQuery & { protocol?: Protocol }): Promise<Paginated<Destination>> {
    const builder = Destination.query().orderBy('name');
    if (query.protocol) builder.where({ protocol: query.protocol });
    return paginate(builder, query);
  }

  async get(id: number): Promise<Destination> {
    const destination = await Destination.query().findById(id);
    if (!destination) throw new NotFoundError(`Destination ${id}`);
    return destination;
  }

  async create(input: DestinationInput): Promise<Destination> {
    assertAuthFits(input.protocol, input.authType);
    await this.assertNameFree(input.name);
    const { secret, ...columns } = input;
    return Destination.query().insertAndFetch({ ...columns, secretEncrypted: this.box.seal(secret) });
  }

  async update(id: number, changes: Partial<DestinationInput>): Promise<Destination> {
    const destination = await this.get(id);
    assertAuthFits(changes.protocol ?? destination.protocol, changes.authType ?? destination.authType);
    if (changes.name && changes.name !== destination.name) await this.assertNameFree(changes.name);
    const { secret, ...columns } = changes;
    return destination.$query().patchAndFetch({ ...columns, ...(secret !== undefined ? { secretEncrypted: this.box.seal(secret) } : {}) });
  }

  async remove(id: number): Promise<void> {
    const destination = await this.get(id);
    const busy = await ReleaseDistribution.query().where({ destinationId: id, state: 'uploading' }).resultSize();
    if (busy) throw new ConflictError(`${busy} release(s) are being uploaded to ${destination.name}`, 'DESTINATION_BUSY');
    await destination.$query().delete();
  }

  /** Logs in and makes sure the remote path exists; a failure is an answer here, not an error. */
  async test(id: number): Promise<ConnectionTest> {
    const destination = await this.get(id);
    const started = Date.now();
    try {
      const session = await openSession(connectionOf(this.config, destination));
      try {
        await session.ensureDir(destination.remotePath);
      } finally {
        session.close();
      }
      return { ok: true, latencyMs: Date.now() - started };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.logger.info('destination test failed', { destinationId: id, error });
      return { ok: false, latencyMs: Date.now() - started, error };
    }
  }

  /** Sends a packed release to a destination again (after a failure, or to a new destination). */
  async distribute(actor: Actor, releaseId: string, destinationId: number): Promise<ReleaseDistribution> {
    const release = await this.releases.getVisible(actor, releaseId);
    await this.get(destinationId);
    await assertDestinationsServe(actor, release.groupId ? await Group.query().findById(release.groupId) : undefined, [destinationId]);
    if (release.state !== 'done') throw new ConflictError(`Release is ${release.state}; only a packed release can be sent`, 'NOT_PACKED');
    const existing = await ReleaseDistribution.query().findOne({ releaseId, destinationId });
    if (existing?.state === 'uploading') throw new ConflictError('The release is being uploaded there right now', 'RELEASE_BUSY');
    await this.queue.clearDistribution(releaseId, destinationId);
    const row = { state: 'queued' as const, progress: 0, bytesSent: 0, error: null, finishedAt: null };
    const distribution = existing
      ? await existing.$query().patchAndFetch(row)
      : await ReleaseDistribution.query().insertAndFetch({ releaseId, destinationId, attempts: 0, ...row });
    await this.queue.enqueueDistribution(releaseId, destinationId);
    return distribution;
  }

  private async assertNameFree(name: string): Promise<void> {
    if (!(await Destination.query().findOne({ name }))) return;
    // Names the field, so a form shows the message next to it.
    const message = `A destination named ${name} already exists`;
    throw new ConflictError(message, 'DESTINATION_EXISTS', { fields: [{ field: 'name', message }] });
  }
}

function assertAuthFits(protocol: Protocol, authType: AuthType): void {
  if (authType === 'key' && protocol !== 'sftp') throw new UnprocessableError('Key authentication exists only for SFTP', 'AUTH_NOT_SUPPORTED');
}
