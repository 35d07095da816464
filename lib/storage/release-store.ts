import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { z } from 'zod';
import { ByteRange, ObjectNotFoundError, ObjectStore, StoredObject } from './object-store';

const MANIFEST = 'manifest.json';
const ATTEMPT = /^[0-9a-f]{12}$/;

const manifestFile = z.object({ fileName: z.string(), kind: z.string(), size: z.number(), sha256: z.string(), crc32: z.string() });
const manifestSchema = z.object({ name: z.string(), attempt: z.string().regex(ATTEMPT), files: z.array(manifestFile), committedAt: z.string() });
export type ManifestFile = z.infer<typeof manifestFile>;
export type ReleaseManifest = z.infer<typeof manifestSchema>;

/** A draft under a staging prefix that no manifest names (yet, or any more). */
export interface UncommittedAttempt {
  name: string;
  attempt: string;
  prefix: string;
  /** The newest object's time: how long ago the attempt last wrote. */
  lastWrite: Date;
}

export class ReleaseConflictError extends Error {}

/**
 * Atomic publishing on any ObjectStore, S3 included (which cannot rename): each attempt writes
 * its files under its own staging prefix `releases/<name>/<attempt>/`, then commits by writing
 * `releases/<name>/manifest.json` last, naming the attempt and every file with its size and
 * checksums. Readers go through the manifest only, so a release is either absent or whole; an
 * attempt no manifest names is uncommitted (invisible) and the reconciler's to remove.
 */
export class ReleaseStore {
  constructor(
    readonly objects: ObjectStore,
    private readonly root = 'releases',
  ) {}

  private manifestKey(name: string): string {
    return `${this.root}/${name}/${MANIFEST}`;
  }

  begin(name: string): ReleaseDraft {
    return new ReleaseDraft(this, name, randomBytes(6).toString('hex'));
  }

  attemptPrefix(name: string, attempt: string): string {
    return `${this.root}/${name}/${attempt}/`;
  }

  /** The committed manifest of `name`; undefined while none is committed. */
  async committed(name: string): Promise<ReleaseManifest | undefined> {
    try {
      const body = await text(await this.objects.get(this.manifestKey(name)));
      return manifestSchema.parse(JSON.parse(body));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
  }

  /** Streams one file of a committed release; ObjectNotFoundError for anything uncommitted or unlisted. */
  async open(name: string, fileName: string, range?: ByteRange): Promise<Readable> {
    const manifest = await this.committed(name);
    if (!manifest?.files.some((f) => f.fileName === fileName)) throw new ObjectNotFoundError(`${name}/${fileName}`);
    return this.objects.get(this.attemptPrefix(name, manifest.attempt) + fileName, range);
  }

  /**
   * The committed release's files as they are in the store: those its manifest names that exist
   * under its attempt, with their stored sizes (one listing, not a request per file). Undefined
   * while nothing is committed.
   */
  async storedFiles(name: string): Promise<(ManifestFile & { storedSize: number })[] | undefined> {
    const manifest = await this.committed(name);
    if (!manifest) return undefined;
    const prefix = this.attemptPrefix(name, manifest.attempt);
    const sizes = new Map((await this.objects.list(prefix)).map((o) => [o.key.slice(prefix.length), o.size]));
    return manifest.files.filter((f) => sizes.has(f.fileName)).map((f) => ({ ...f, storedSize: sizes.get(f.fileName)! }));
  }

  /** Writes the manifest: from this moment on the release is published. */
  async commit(name: string, attempt: string, files: ManifestFile[]): Promise<ReleaseManifest> {
    const manifest: ReleaseManifest = { name, attempt, files, committedAt: new Date().toISOString() };
    await this.objects.put(this.manifestKey(name), Buffer.from(JSON.stringify(manifest)));
    return manifest;
  }

  /** Unpublishes first (the manifest goes), then removes every attempt's files. */
  async remove(name: string): Promise<void> {
    await this.objects.delete(this.manifestKey(name));
    await this.objects.deletePrefix(`${this.root}/${name}/`);
  }

  /** Names with a committed manifest. */
  async committedNames(): Promise<string[]> {
    const suffix = `/${MANIFEST}`;
    return (await this.objects.list(`${this.root}/`))
      .map((o) => o.key.slice(this.root.length + 1))
      .filter((key) => key.endsWith(suffix) && key.indexOf('/') === key.length - suffix.length)
      .map((key) => key.slice(0, -suffix.length));
  }

  /** Every attempt that no manifest names, with the time of its last write. */
  async uncommitted(): Promise<UncommittedAttempt[]> {
    const byAttempt = new Map<string, { name: string; attempt: string; objects: StoredObject[] }>();
    const manifests = new Map<string, Promise<ReleaseManifest | undefined>>();
    for (const object of await this.objects.list(`${this.root}/`)) {
      const [name, attempt] = object.key.slice(this.root.length + 1).split('/');
      if (!name || !attempt || !ATTEMPT.test(attempt)) continue;
      if (!manifests.has(name)) manifests.set(name, this.committed(name).catch(() => undefined));
      const id = `${name}/${attempt}`;
      if (!byAttempt.has(id)) byAttempt.set(id, { name, attempt, objects: [] });
      byAttempt.get(id)!.objects.push(object);
    }
    const found: UncommittedAttempt[] = [];
    for (const { name, attempt, objects } of byAttempt.values()) {
      if ((await manifests.get(name))?.attempt === attempt) continue;
      const lastWrite = new Date(Math.max(...objects.map((o) => o.modifiedAt.getTime())));
      found.push({ name, attempt, prefix: this.attemptPrefix(name, attempt), lastWrite });
    }
    return found;
  }

  async removeAttempt(name: string, attempt: string): Promise<number> {
    return this.objects.deletePrefix(this.attemptPrefix(name, attempt));
  }
}

/** One attempt at publishing a release: put its files, then commit (or abort, leaving nothing). */
export class ReleaseDraft {
  private readonly files: ManifestFile[] = [];

  constructor(
    private readonly store: ReleaseStore,
    readonly name: string,
    readonly attempt: string,
  ) {}

  async put(fileName: string, kind: string, source: Readable | Buffer): Promise<ManifestFile> {
    if (fileName.includes('/') || fileName === MANIFEST) throw new Error(`invalid release file name "${fileName}"`);
    const written = await this.store.objects.put(this.store.attemptPrefix(this.name, this.attempt) + fileName, source);
    const file = { fileName, kind, size: written.size, sha256: written.sha256, crc32: written.crc32.toString(16).toUpperCase().padStart(8, '0') };
    this.files.push(file);
    return file;
  }

  /**
   * Publishes the files put so far. An already committed release of that name is adopted only on
   * a rerun of the same release (`adoptExisting`) holding exactly the same files; then this
   * attempt's copies go. Any other committed release of that name is left untouched.
   */
  async commit(adoptExisting = false): Promise<ReleaseManifest> {
    const existing = await this.store.committed(this.name);
    if (!existing) return this.store.commit(this.name, this.attempt, this.files);
    if (!adoptExisting) throw new ReleaseConflictError(`a release named ${this.name} is already published by another release`);
    const key = (f: ManifestFile) => `${f.fileName}\t${f.size}\t${f.sha256}`;
    const same = existing.files.map(key).sort().join('\n') === this.files.map(key).sort().join('\n');
    if (!same) throw new ReleaseConflictError(`a different release named ${this.name} is already published`);
    await this.abort();
    return existing;
  }

  /** Removes everything this attempt wrote. */
  async abort(): Promise<void> {
    await this.store.removeAttempt(this.name, this.attempt);
  }
}
