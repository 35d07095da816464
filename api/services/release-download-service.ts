import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { Config } from '../../lib/config';
import { ConflictError, NotFoundError } from '../../lib/errors';
import { ByteRange, ObjectNotFoundError } from '../../lib/storage';
import { sfvFileName } from '../../jobs/pack/engine/sfv';
import { openReleaseFile, PublishedFile, publishedFiles, readReleaseSfv } from '../../jobs/stored-files';
import type { Actor } from './actor';
import type { ReleaseService } from './release-service';

/** One file ready to be sent: its size as stored, and its bytes (or a range of them) on demand. */
export interface DownloadableFile {
  fileName: string;
  size: number;
  read(range?: ByteRange): Promise<Readable>;
}

export interface DownloadableRelease {
  name: string;
  publishedAt: Date;
  /** The files its row lists, in that order, then its SFV when it has one. */
  files: DownloadableFile[];
}

/**
 * A published release's files as downloads, read where releases are kept (RELEASES_FOLDER or the
 * object store, through jobs/stored-files.ts): one file (GET /api/releases/:id/files/:name), or
 * the whole release as one zip stream (GET /:id/archive). Only the files the row lists and its
 * SFV can be read; a listed file missing from storage is a 404 before any byte is sent.
 */
export class ReleaseDownloadService {
  constructor(
    private readonly config: Config,
    private readonly releases: ReleaseService,
  ) {}

  /** Every file of a done release the actor may see; 409 NOT_PUBLISHED while it is not done. */
  async release(actor: Actor, id: string): Promise<DownloadableRelease> {
    const release = await this.releases.getVisible(actor, id);
    if (release.state !== 'done' || !release.name) throw new ConflictError(`Release is ${release.state}; only a published release can be downloaded`, 'NOT_PUBLISHED');
    const name = release.name;
    const stored = new Map(((await publishedFiles(this.config, name)) ?? []).map((f) => [f.fileName, f]));
    const files = (release.files ?? []).map((row) => {
      const file = stored.get(row.fileName);
      if (!file) throw missing(row.fileName, id);
      return this.downloadable(id, name, file);
    });
    const sfv = await this.sfv(name);
    return { name, publishedAt: release.finishedAt ?? new Date(), files: sfv ? [...files, sfv] : files };
  }

  /** One file of a done release the actor may see: a file its row lists, or its SFV; 404 for anything else. */
  async file(actor: Actor, id: string, fileName: string): Promise<DownloadableFile> {
    const release = await this.releases.getVisible(actor, id);
    const name = release.state === 'done' ? release.name : null;
    if (!name) throw missing(fileName, id);
    const sfv = fileName === sfvFileName(name) ? await this.sfv(name) : undefined;
    if (sfv) return sfv;
    const listed = release.files?.some((f) => f.fileName === fileName);
    const stored = listed ? (await publishedFiles(this.config, name))?.find((f) => f.fileName === fileName) : undefined;
    if (!stored) throw missing(fileName, id);
    return this.downloadable(id, name, stored);
  }

  /** A listed file as stored; gone by the time it is opened is a 404 too (nothing has been sent yet). */
  private downloadable(id: string, name: string, { fileName, size }: PublishedFile): DownloadableFile {
    return {
      fileName,
      size,
      read: (range) =>
        openReleaseFile(this.config, name, fileName, range).catch((err: unknown) => {
          throw err instanceof ObjectNotFoundError ? missing(fileName, id) : err;
        }),
    };
  }

  /** The SFV is a few lines per volume: read whole, sent from memory. */
  private async sfv(name: string): Promise<DownloadableFile | undefined> {
    const bytes = await readReleaseSfv(this.config, name);
    return bytes && { fileName: sfvFileName(name), size: bytes.length, read: async (range) => Readable.from([sliceOf(bytes, range)]) };
  }

  /**
   * Streams the whole release as one zip (stored, not compressed: its volumes are zips already),
   * a folder named after it holding its files and SFV as a site would hold them. Each file is
   * opened only when its turn comes, so one read is open at a time whatever the volume count.
   * `onSize` hears the archive's exact size before the first byte is written.
   */
  async writeArchive({ name, publishedAt, files }: DownloadableRelease, out: Writable, onSize: (bytes: number) => void): Promise<void> {
    const zip = new yazl.ZipFile();
    const output = zip.outputStream as Readable;
    // A file that cannot be read fails the zip's output, and so the answer (cut short).
    zip.on('error', (err: Error) => output.destroy(err));
    let open: Readable | undefined;
    let finished = false;
    for (const file of files) {
      zip.addReadStreamLazy(`${name}/${file.fileName}`, { size: file.size, compress: false, mtime: publishedAt }, (done) => {
        file.read().then((stream) => {
          open = stream;
          // yazl pipes the stream without listening for its errors: a read failing midway fails the output.
          stream.on('error', (err) => output.destroy(err));
          if (finished) stream.destroy();
          done(null, stream);
        }, (err: Error) => done(err, undefined as never));
      });
    }
    // With every size known and nothing compressed, yazl knows the total at once (-1 if it ever
    // cannot); @types/yazl leaves out the argument its callback is given.
    const end = zip.end.bind(zip) as (options: object, onTotal: (total: number) => void) => void;
    end({}, (total) => {
      if (total >= 0) onSize(total);
    });
    try {
      await pipeline(output, out);
    } finally {
      // A client that hangs up leaves the file being read unconsumed: end it, so its connection to the store is freed.
      finished = true;
      open?.destroy();
    }
  }
}

const missing = (fileName: string, id: string) => new NotFoundError(`File ${fileName} of release ${id}`);

function sliceOf(bytes: Buffer, range?: ByteRange): Buffer {
  return range ? bytes.subarray(range.start, range.end === undefined ? undefined : range.end + 1) : bytes;
}
