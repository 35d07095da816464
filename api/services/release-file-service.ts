import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../lib/config';
import { NotFoundError } from '../../lib/errors';
import { Upload } from '../../db/models';
import type { Actor } from './actor';
import type { ReleaseService } from './release-service';

/** Where a published release's files are read from, and uploads found by their bytes' hash. */
export class ReleaseFileService {
  constructor(
    private readonly config: Config,
    private readonly releases: ReleaseService,
  ) {}

  /** The path of one listed file of a release the actor may see; only names the release lists. */
  async pathOf(actor: Actor, releaseId: string, fileName: string): Promise<{ path: string; size: number }> {
    const release = await this.releases.getVisible(actor, releaseId);
    const file = release.state === 'done' && release.name ? release.files?.find((f) => f.fileName === fileName) : undefined;
    if (!file || !release.name) throw new NotFoundError(`File ${fileName} of release ${releaseId}`);
    const full = path.join(this.config.storage.releasesDir, release.name, file.fileName);
    if (!fs.existsSync(full)) throw new NotFoundError(`File ${fileName} of release ${releaseId}`);
    return { path: full, size: file.size };
  }

  /** The actor's upload (anyone's with releases:MOD) holding these bytes, if any. */
  async uploadBySha256(actor: Actor, sha256: string): Promise<Upload | undefined> {
    const query = Upload.query().findOne({ sha256 });
    if (!actor.can('releases', 'MOD')) query.where({ userId: actor.user.id });
    return query;
  }
}
