import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { Config } from '../../lib/config';
import { ConflictError } from '../../lib/errors';
import { publishedPaths } from '../../jobs/storage-paths';
import type { Actor } from './actor';
import type { ReleaseService } from './release-service';

export interface DownloadableFile {
  fileName: string;
  size: number;
  path: string;
}

/**
 * A published release as one download: the files its row lists, from the folder this row owns,
 * and its SFV. (Single files: GET /api/releases/:id/files/:name in routes/automation.ts.)
 */
export class ReleaseDownloadService {
  constructor(
    private readonly config: Config,
    private readonly releases: ReleaseService,
  ) {}

  async files(actor: Actor, id: string): Promise<{ name: string; files: DownloadableFile[]; sfv: string }> {
    const release = await this.releases.getVisible(actor, id);
    if (release.state !== 'done' || !release.name) throw new ConflictError(`Release is ${release.state}; only a published release can be downloaded`, 'NOT_PUBLISHED');
    const { dir, sfv } = publishedPaths(this.config, release.name);
    return { name: release.name, sfv, files: (release.files ?? []).map((f) => ({ fileName: f.fileName, size: f.size, path: path.join(dir, f.fileName) })) };
  }

  /**
   * Streams the whole release as one zip (stored, not compressed: its volumes are zips already):
   * a folder named after it with its files and its SFV, as a site would hold it.
   */
  async writeArchive({ name, files, sfv }: { name: string; files: DownloadableFile[]; sfv: string }, out: Writable): Promise<void> {
    const zip = new yazl.ZipFile();
    for (const file of files) zip.addFile(file.path, `${name}/${file.fileName}`, { compress: false });
    if (fs.existsSync(sfv)) zip.addFile(sfv, `${name}/${name}.sfv`, { compress: false });
    zip.end();
    await pipeline(zip.outputStream, out);
  }
}
