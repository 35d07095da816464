import { createHash, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { PartialModelObject } from 'objection';
import type { Config } from '../../lib/config';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { stableStringify } from '../../lib/stable-json';
import { Destination, NfoTemplate, Release, RELEASE_LIST_COLUMNS, ReleaseDistribution, ReleaseListItem, Rule, Upload } from '../../db/models';
import type { SettingsRepository } from '../../db/settings-repository';
import { CONTAINS_SQL, containsBindings } from '../../db/contains';
import type { JobQueue } from '../../jobs/job-queue';
import { publishedPaths, trashRoot } from '../../jobs/storage-paths';
import { removeStoredRelease } from '../../jobs/stored-files';
import { EBOOK_2022_LIMITS } from '../../lib/domain/rule-limits';
import { ReleaseOptions, UNSUPPORTED_TYPES } from '../../lib/domain/release-options';
import { ListTotals, paginate, PageQuery, Paginated } from '../pagination';
import type { Actor } from './actor';
import type { GroupService } from './group-service';
import { assertDestinationsServe } from './destination-access';
import { describeDupe, refuseOutrankedSource } from './dupe-policy';
import { assertAllExist } from './references';
import type { UploadService } from './upload-service';

export interface ReleaseRequest {
  uploadId: string;
  options: ReleaseOptions;
}

export interface ReleaseFilters {
  type?: string;
  state?: string;
  group?: string;
  userId?: number;
  from?: Date;
  to?: Date;
  q?: string;
  sort: 'createdAt' | '-createdAt' | 'name' | '-name' | 'state' | '-state' | 'updatedAt' | '-updatedAt';
}

/** Release states a release can be deleted in: nothing of it is running (a release in review waits for a person). */
const SETTLED = ['done', 'failed', 'cancelled', 'review'];
/** Release states a release can be requested again from; neither holds a name or files. */
const RETRYABLE = ['failed', 'cancelled'];

/** Release requests: idempotent creation against a group and a rule, visibility, listing, cancel and deletion. */
export class ReleaseService {
  private readonly totals = new ListTotals();

  constructor(
    private readonly config: Config,
    private readonly queue: JobQueue,
    private readonly uploads: UploadService,
    private readonly groups: GroupService,
    private readonly settings: SettingsRepository,
    private readonly logger: Logger,
  ) {}

  async request(actor: Actor, { uploadId, options }: ReleaseRequest): Promise<{ release: Release; created: boolean }> {
    if (options.type !== 'EBOOK') throw new UnprocessableError(`${options.type} releases are not supported yet: ${UNSUPPORTED_TYPES[options.type]}`, 'TYPE_NOT_SUPPORTED');
    if (options.force && !actor.can('releases', 'MOD')) throw new ForbiddenError('Forcing a release name that breaks the rules needs the releases:MOD permission');
    const upload = await this.uploads.getVisible(actor, uploadId);
    if (upload.status === 'rejected') throw new ConflictError(`Upload ${uploadId} was rejected: ${upload.error}`, 'UPLOAD_REJECTED');

    const requestKey = createHash('sha256').update(`${uploadId}\n${stableStringify(options)}`).digest('hex');
    const existing = await Release.query().findOne({ requestKey });
    if (existing) return { release: existing, created: false };

    const resolved = await this.resolveOptions(actor, options);
    await this.refuseDupe(actor, upload, resolved, options);
    const id = randomUUID();
    // Every upload is inspected when stored: a release of one whose inspection is done starts at enrich.
    const uploadInspected = upload.status === 'inspected' && Boolean(upload.metadata);
    const answer = await this.createQueued(
      {
        id,
        uploadId,
        userId: actor.user.id,
        requestKey,
        options: { ...options, volumeSizeMb: resolved.volumeSizeMb },
        type: options.type,
        groupId: resolved.groupId,
        ruleId: resolved.ruleId,
        nfoTemplateId: resolved.templateId,
      },
      resolved.destinationIds,
      { uploadInspected },
    );
    if (answer.created) {
      this.logger.info('release requested', { releaseId: id, uploadId, userId: actor.user.id, groupId: resolved.groupId, inspection: uploadInspected ? 'stored' : 'queued' });
    }
    return answer;
  }

  /**
   * Stores a new release, queued, with a queued distribution per destination, and starts its flow
   * (at enrich when its upload is inspected already): how a request and a follow-up both create
   * one. A concurrent identical request (the same requestKey) that stored its row first is answered
   * instead; when the flow cannot be started the row goes again, so the client can simply retry.
   */
  async createQueued(
    row: PartialModelObject<Release> & { id: string; requestKey: string },
    destinationIds: number[],
    flow: { uploadInspected: boolean },
  ): Promise<{ release: Release; created: boolean }> {
    let release: Release;
    try {
      release = await Release.transaction(async (trx) => {
        const inserted = await Release.query(trx).insertAndFetch({ ...row, state: 'queued', progress: 0, releaseDate: new Date().toISOString().slice(0, 10) });
        if (destinationIds.length) {
          await trx(ReleaseDistribution.tableName).insert(
            destinationIds.map((destinationId) => ({ releaseId: row.id, destinationId, state: 'queued', createdAt: new Date(), updatedAt: new Date() })),
          );
        }
        return inserted;
      });
    } catch (err) {
      const winner = await Release.query().findOne({ requestKey: row.requestKey });
      if (winner) return { release: winner, created: false };
      throw err;
    }
    try {
      await this.queue.startReleaseFlow(row.id, flow);
    } catch (err) {
      await Release.query().deleteById(row.id);
      throw err;
    }
    return { release, created: true };
  }

  /**
   * A release name exists once: the same book (by its bytes, from any user's upload) requested for
   * the same group and rule with the same naming options would get the name of a release that is
   * live or published, so it is refused naming that release. (Two such requests racing past this
   * check are caught when the second claims the name at pack time: it fails, touching nothing.)
   * The dupe order (dupe-policy.ts) is checked first: a SCAN or HYBRiD of a book with a better
   * release is refused naming that one, even when a worse release of the same name exists too.
   */
  private async refuseDupe(actor: Actor, upload: Pick<Upload, 'sha256' | 'metadata'>, resolved: { groupId: number; ruleId: number | null }, options: ReleaseOptions): Promise<void> {
    await refuseOutrankedSource(actor, upload, options);
    await this.refuseSameName(actor, upload.sha256, resolved, options);
  }

  private async refuseSameName(actor: Actor, sha256: string, resolved: { groupId: number; ruleId: number | null }, options: ReleaseOptions): Promise<void> {
    const candidates = await Release.query()
      .select('releases.*')
      .join('uploads', 'uploads.id', 'releases.uploadId')
      .where('uploads.sha256', sha256)
      .where('releases.groupId', resolved.groupId)
      .whereNotIn('releases.state', ['failed', 'cancelled']);
    const wanted = stableStringify(namingOptions(options));
    const dupe = candidates.find((r) => (r.ruleId ?? null) === resolved.ruleId && stableStringify(namingOptions(r.options)) === wanted);
    if (!dupe) return;
    const { what, details } = describeDupe(actor, dupe);
    throw new ConflictError(`This book was already requested with the same naming options: ${what}`, 'DUPE', details);
  }

  /**
   * The group (the requester must belong to it), the rule (request, group, then the configured
   * default), the NFO template, the volume size the rule allows, and the destinations.
   */
  async resolveOptions(actor: Actor, options: ReleaseOptions) {
    const { group, member } = await this.groups.membership(options.group, actor.user.id);
    if (!group) throw new UnprocessableError(`There is no group ${options.group}; an admin creates it first`, 'UNKNOWN_GROUP');
    if (!member) throw new ForbiddenError(`You are not a member of ${group.tag}, so you cannot pack for it`);

    const defaults = await this.settings.effectiveMany(['pack.defaultRuleId', 'pack.defaultTemplateId']);
    const defaultRule = defaults['pack.defaultRuleId'];
    const ruleId = options.ruleId ?? group.ruleId ?? (defaultRule ? Number(defaultRule) : null);
    const rule = ruleId ? await Rule.query().findById(ruleId) : undefined;
    if (ruleId && !rule) throw new UnprocessableError(`Rule ${ruleId} does not exist`, 'UNKNOWN_REFERENCE');
    if (rule && rule.section !== options.type) throw new UnprocessableError(`Rule ${rule.id} is for ${rule.section} releases, not ${options.type}`, 'RULE_MISMATCH');
    const limits = rule?.limits ?? EBOOK_2022_LIMITS;

    const volumeSizeMb = options.volumeSizeMb ?? group.volumeSizeMb ?? undefined;
    if (volumeSizeMb !== undefined && !limits.volumeSizesMb.includes(volumeSizeMb)) {
      throw new UnprocessableError(`The rule allows volumes of ${limits.volumeSizesMb.join(', ')} MB, not ${volumeSizeMb}`, 'VOLUME_SIZE_NOT_ALLOWED');
    }

    const defaultTemplate = defaults['pack.defaultTemplateId'];
    const templateId = options.templateId ?? group.nfoTemplateId ?? (defaultTemplate ? Number(defaultTemplate) : null);
    if (templateId) await assertAllExist(NfoTemplate, [templateId], 'templateId');

    const destinationIds = options.destinationIds ?? (group.destinations ?? []).filter((d) => d.enabled).map((d) => d.id);
    await assertAllExist(Destination, destinationIds, 'destinationIds');
    await assertDestinationsServe(actor, group, destinationIds);
    return { groupId: group.id, ruleId: rule?.id ?? null, templateId, volumeSizeMb, destinationIds: [...new Set(destinationIds)] };
  }

  /** A page of the releases the actor may see, each row RELEASE_LIST_COLUMNS only. */
  async list(actor: Actor, filters: ReleaseFilters & PageQuery): Promise<Paginated<ReleaseListItem>> {
    // Whose releases: the caller's own without releases:MOD, else the user asked for (or everyone's).
    const owner = actor.can('releases', 'MOD') ? filters.userId : actor.user.id;
    const query = Release.query().select(RELEASE_LIST_COLUMNS.map((column) => `releases.${column}`));
    if (owner) query.where('releases.userId', owner);
    if (filters.type) query.where('releases.type', filters.type);
    if (filters.state) query.where('releases.state', filters.state);
    if (filters.group) query.whereIn('releases.groupId', (sub) => sub.select('id').from('groups').where('tag', filters.group!));
    if (filters.from) query.where('releases.createdAt', '>=', filters.from);
    if (filters.to) query.where('releases.createdAt', '<', filters.to);
    if (filters.q) query.whereRaw(CONTAINS_SQL, containsBindings('releases.name', filters.q));
    const column = filters.sort.replace(/^-/, '');
    query.orderBy(`releases.${column}`, filters.sort.startsWith('-') ? 'desc' : 'asc').orderBy('releases.id');
    // The list as it opens (every release the caller may see, or one user's) is the busy one: its
    // total is counted once per LIST_TOTAL_TTL_MS, per set of visible rows. Any other filter, one
    // added later included, narrows the rows and is counted each time.
    const { userId, sort, page, pageSize, ...narrowing } = filters;
    const unfiltered = Object.values(narrowing).every((value) => !value);
    return paginate(query, filters, unfiltered ? { cache: this.totals, key: owner ? `user ${owner}` : 'everyone' } : undefined);
  }

  async getVisible(actor: Actor, id: string): Promise<Release> {
    const release = await Release.query()
      .findById(id)
      .withGraphFetched('[files(ordered), distributions]')
      .modifiers({ ordered: (q) => q.orderBy('fileName') });
    if (!release || !actor.owns('releases', release.userId)) throw new NotFoundError(`Release ${id}`);
    return release;
  }

  async cancel(actor: Actor, id: string): Promise<Release> {
    const release = await this.getVisible(actor, id);
    if (release.state === 'review') return this.cancelHeld(release);
    if (release.state !== 'queued') throw new ConflictError(`Release is ${release.state}; only a queued release or one in review can be cancelled`, 'NOT_CANCELLABLE');
    let removed: boolean;
    try {
      removed = await this.queue.cancelReleaseFlow(id);
    } catch (err) {
      // BullMQ refuses to remove a job a worker holds the lock of.
      if (err instanceof Error && /locked/i.test(err.message)) removed = false;
      else throw err;
    }
    if (!removed) throw new ConflictError('The release has started; it can no longer be cancelled', 'NOT_CANCELLABLE');
    return release.$query().patchAndFetch({ state: 'cancelled', finishedAt: new Date() });
  }

  /**
   * A release in review has no job left in Redis (its flow ended at enrichment), so cancelling it
   * is one guarded update: an approval that got there first wins.
   */
  private async cancelHeld(release: Release): Promise<Release> {
    const cancelled = await Release.query().patch({ state: 'cancelled', finishedAt: new Date() }).where({ id: release.id, state: 'review' });
    if (!cancelled) throw new ConflictError('The release has left review (it was approved); it can no longer be cancelled', 'NOT_CANCELLABLE');
    return release.$query();
  }

  /**
   * A failed or cancelled release requested again: the same upload and options, as a new release
   * that replaces it (one release per request, so the old row is removed once the new one
   * exists). The old row first gives up its request key, and takes it back if the request is
   * refused (not a member any more, a dupe, Redis down...), so a refused retry leaves it as it was.
   */
  async retry(actor: Actor, id: string): Promise<Release> {
    const old = await this.getVisible(actor, id);
    if (!RETRYABLE.includes(old.state)) throw new ConflictError(`Release is ${old.state}; only a failed or cancelled release can be retried`, 'NOT_RETRYABLE');
    const stepAside = `retry-${id}`;
    const freed = old.requestKey !== stepAside && (await Release.query().patch({ requestKey: stepAside }).where({ id, requestKey: old.requestKey }).whereIn('state', RETRYABLE));
    if (!freed) throw new ConflictError('The release is being retried already', 'NOT_RETRYABLE');
    let release: Release;
    try {
      ({ release } = await this.request(actor, { uploadId: old.uploadId, options: old.options }));
    } catch (err) {
      await Release.query().patch({ requestKey: old.requestKey }).where({ id });
      throw err;
    }
    // The retry has happened; an old row left behind (it gave up its key) is only clutter.
    await this.remove(actor, id).catch((err) => this.logger.warn('retried release not removed', { releaseId: id, error: err instanceof Error ? err.message : String(err) }));
    this.logger.info('release retried', { releaseId: release.id, retryOf: id, userId: actor.user.id });
    return release;
  }

  /**
   * Removes a settled release. In one transaction its rows are deleted and then its folder and
   * checksum file moved aside (one rename each); if a rename fails the transaction is rolled back
   * and what was moved goes back, so neither side is ever left without the other. A concurrent
   * delete of the same release waits for the row until this one commits, then finds it gone (404):
   * it never moves files of a release another request is deleting. Only the files of the name this
   * row holds are touched: a name belongs to one row (unique), and a release without one owns none.
   */
  async remove(actor: Actor, id: string): Promise<void> {
    const release = await this.getVisible(actor, id);
    if (!SETTLED.includes(release.state)) throw new ConflictError(`Release is ${release.state}; cancel it or wait until it has finished`, 'RELEASE_BUSY');
    if ((release.distributions ?? []).some((d) => d.state === 'uploading')) throw new ConflictError('The release is being uploaded to a destination', 'RELEASE_BUSY');
    const owned = release.name ? publishedPaths(this.config, release.name) : undefined;
    const published = owned ? [owned.dir, owned.sfv] : [];
    const trash = path.join(trashRoot(this.config), `${id}-${randomUUID()}`);
    await fsp.mkdir(trash, { recursive: true });
    const moved: [string, string][] = [];
    try {
      await Release.transaction(async (trx) => {
        // Guarded: a release approved (or otherwise started) since it was read is not deleted.
        const deleted = await Release.query(trx).delete().where({ id }).whereIn('state', SETTLED);
        if (!deleted) {
          if (!(await Release.query(trx).findById(id))) throw new NotFoundError(`Release ${id}`);
          throw new ConflictError('The release has started meanwhile; cancel it or wait until it has finished', 'RELEASE_BUSY');
        }
        for (const [i, from] of published.entries()) {
          const to = path.join(trash, String(i));
          try {
            await fsp.rename(from, to);
            moved.push([from, to]);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
        }
      });
    } catch (err) {
      for (const [from, to] of moved.reverse()) await fsp.rename(to, from);
      await fsp.rm(trash, { recursive: true, force: true });
      throw err;
    }
    await fsp.rm(trash, { recursive: true, force: true });
    // Object store: the row no longer holds the name, so nothing can read these files any more.
    if (release.name) await removeStoredRelease(this.config, release.name);
    this.logger.info('release deleted', { releaseId: id, name: release.name, userId: actor.user.id });
  }
}

/**
 * The request options that can change the release name: not the sizes, template, destinations or
 * force, nor the proof URL and description, which only the NFO prints. A request differing from a
 * live release only in those would claim the same name.
 */
function namingOptions(options: ReleaseOptions): Partial<ReleaseOptions> {
  const { volumeSizeMb: _size, templateId: _template, destinationIds: _destinations, force: _force, proofUrl: _proof, overrides, ...naming } = options;
  const { description: _description, ...namingOverrides } = overrides;
  return { ...naming, overrides: namingOverrides };
}
