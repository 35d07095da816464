import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { Config } from '../lib/config';
import { AppError, ServiceUnavailableError } from '../lib/errors';
import { discard, FileSink, publish, receiveToPartial } from '../lib/file-store';
import { ByteRange, ObjectNotFoundError, ObjectStore, objectStoreOf, ReleaseStore } from '../lib/storage';
import type { Logger } from '../lib/logger';
import { Upload } from '../db/models';
import { openZipByRanges } from './inspect/zip-reader';
import type { PublishedFolder } from './pack/engine/check-release';
import { PackError, packRelease, packReleaseWith, PackedRelease, PackOptions } from './pack/engine/pack-release';
import { sfvFileName } from './pack/engine/sfv';
import { storedPackIo } from './pack/engine/stored-release';
import { publishedPaths, uploadPath } from './storage-paths';

/**
 * Where uploads and releases are kept, for the jobs and services that read or write them: the
 * local folders (UPLOAD_FOLDER, RELEASES_FOLDER: today's layout, published by rename) or, with
 * STORAGE=s3, the object store (uploads under `uploads/<id>`, releases published by manifest).
 */
type StorageConfig = Pick<Config, 'storage' | 'objectStorage'>;

/** One client per process and configuration (the SDK pools its connections). */
const stores = new WeakMap<object, { objects: ObjectStore; releases: ReleaseStore }>();

/** The object store and its release publisher when STORAGE=s3; undefined for the local folders. */
export function remoteStorage(config: StorageConfig): { objects: ObjectStore; releases: ReleaseStore } | undefined {
  if (config.objectStorage.kind !== 's3') return undefined;
  let found = stores.get(config.objectStorage);
  if (!found) {
    const objects = objectStoreOf(config);
    found = { objects, releases: new ReleaseStore(objects) };
    stores.set(config.objectStorage, found);
  }
  return found;
}

/** An upload's key in the object store. */
export const uploadKey = (uploadId: string) => `uploads/${uploadId}`;

/**
 * An upload's bytes, received under a fresh id chosen before the first byte arrived. Local
 * folders: a partial file in UPLOAD_FOLDER/.partial/ (`tempPath`) until `keepReceivedUpload`
 * renames it into place. Object store: already stored at `uploads/<id>` (streamed in by multipart
 * upload, hashed on the way), so no local file is made.
 */
export interface ReceivedUpload {
  uploadId: string;
  size: number;
  sha256: string;
  tempPath?: string;
}

/** Where `POST /api/uploads` streams the book: a partial file, or straight into the object store. */
export function uploadSink(config: StorageConfig, logger: Pick<Logger, 'warn'>): FileSink<ReceivedUpload> {
  return {
    async receive(source, maxBytes) {
      const uploadId = randomUUID();
      const remote = remoteStorage(config);
      if (!remote) return { uploadId, ...(await receiveToPartial(source, config.storage.uploadDir, maxBytes)) };
      let sourceFailed = false;
      source.once('error', () => void (sourceFailed = true));
      try {
        const { size, sha256 } = await remote.objects.put(uploadKey(uploadId), source, { maxBytes });
        return { uploadId, size, sha256 };
      } catch (err) {
        // A cut body or an oversize book is the request's fault; anything else is the store's.
        if (err instanceof AppError || sourceFailed) throw err;
        logger.warn('upload could not be stored', { uploadId, error: (err as Error).message });
        throw new ServiceUnavailableError('The book could not be stored; try again later');
      }
    },
    discard: (received) => dropReceivedUpload(config, received),
  };
}

/** Makes a received upload its stored file: the partial file is renamed into place (the object store holds it already). */
export async function keepReceivedUpload(config: StorageConfig, received: ReceivedUpload): Promise<void> {
  if (received.tempPath) await publish(received.tempPath, uploadPath(config, received.uploadId));
}

/** Removes a received upload that is not kept (a repeat of the user's upload, or a failure): its partial file or its object. */
export async function dropReceivedUpload(config: StorageConfig, received: ReceivedUpload): Promise<void> {
  if (received.tempPath) await discard(received.tempPath);
  else await removeUpload(config, received.uploadId);
}

/**
 * A received repeat of the user's upload `uploadId` (the same SHA-256): kept as that upload's
 * stored file when the stored file is gone (an uploads folder lost, or left out of a restore), so
 * the upload is whole again; otherwise dropped. Returns whether it was kept.
 */
export async function keepRepeatIfLost(config: StorageConfig, uploadId: string, received: ReceivedUpload): Promise<boolean> {
  const remote = remoteStorage(config);
  const lost = remote ? !(await remote.objects.stat(uploadKey(uploadId))) : !(await fsp.stat(uploadPath(config, uploadId)).catch(() => undefined));
  if (!lost) {
    await dropReceivedUpload(config, received);
    return false;
  }
  if (remote) {
    // An object cannot be renamed: the repeat is copied to the upload's key, then removed.
    await remote.objects.put(uploadKey(uploadId), await remote.objects.get(uploadKey(received.uploadId)));
    await dropReceivedUpload(config, received);
  } else {
    await publish(received.tempPath!, uploadPath(config, uploadId));
  }
  return true;
}

export async function removeUpload(config: StorageConfig, uploadId: string): Promise<void> {
  const remote = remoteStorage(config);
  if (remote) await remote.objects.delete(uploadKey(uploadId));
  else await discard(uploadPath(config, uploadId));
}

/**
 * Packs a release where releases are kept. Local folders: the engine packs and publishes in
 * RELEASES_FOLDER. Object store: the engine reads the book from the bucket and streams every file
 * and the SFV into it under a staging prefix, committed by writing the manifest last; nothing of
 * the book or the release touches the local disk.
 */
export async function packStored(config: StorageConfig, input: PackOptions & { uploadId?: string }): Promise<PackedRelease> {
  const { uploadId, ...rest } = input;
  const remote = remoteStorage(config);
  try {
    if (!remote) return await packRelease({ ...rest, sourcePath: uploadId ? uploadPath(config, uploadId) : undefined, releasesDir: config.storage.releasesDir });
    return await packReleaseWith(rest, await storedPackIo(remote.releases, uploadId ? uploadKey(uploadId) : undefined));
  } catch (err) {
    // Said without the server's paths; retrying cannot bring the book back, uploading it again does.
    if (uploadId && isMissingUpload(err, config, uploadId)) {
      throw new PackError('the uploaded book is no longer stored (its file is missing); upload the same file again to restore it, then retry');
    }
    throw err;
  }
}

function isMissingUpload(err: unknown, config: StorageConfig, uploadId: string): boolean {
  if (err instanceof ObjectNotFoundError) return err.key === uploadKey(uploadId);
  return (err as NodeJS.ErrnoException).code === 'ENOENT' && (err as NodeJS.ErrnoException).path === uploadPath(config, uploadId);
}

/** Streams one file of a published release (or a byte range of it); ObjectNotFoundError when there is none. */
export async function openReleaseFile(config: StorageConfig, name: string, fileName: string, range?: ByteRange): Promise<Readable> {
  const remote = remoteStorage(config);
  if (remote) return remote.releases.open(name, fileName, range);
  const file = path.join(publishedPaths(config, name).dir, fileName);
  if (path.dirname(file) !== publishedPaths(config, name).dir) throw new ObjectNotFoundError(`${name}/${fileName}`);
  const handle = await fsp.open(file, 'r').catch(() => {
    throw new ObjectNotFoundError(`${name}/${fileName}`);
  });
  return handle.createReadStream({ start: range?.start, end: range?.end });
}


/** A file of a published release's folder, with its size as stored. */
export interface PublishedFile {
  fileName: string;
  size: number;
}

/**
 * The files of the release folder published as `name` (not its SFV), as they are stored: the
 * folder in RELEASES_FOLDER, or the files of the committed manifest found in the object store.
 * Undefined when nothing is published under the name.
 */
export async function publishedFiles(config: StorageConfig, name: string): Promise<PublishedFile[] | undefined> {
  const remote = remoteStorage(config);
  if (remote) return (await remote.releases.storedFiles(name))?.filter((f) => f.kind !== 'sfv').map(({ fileName, storedSize }) => ({ fileName, size: storedSize }));
  const { dir } = publishedPaths(config, name);
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return undefined;
  const files: PublishedFile[] = [];
  for (const entry of entries) {
    // A folder or link inside a release breaks the layout: listed with a trailing "/" so the
    // checks name it, and no download ever matches it.
    if (!entry.isFile()) {
      files.push({ fileName: `${entry.name}/`, size: 0 });
      continue;
    }
    const stats = await fsp.stat(path.join(dir, entry.name)).catch(() => undefined);
    if (stats) files.push({ fileName: entry.name, size: stats.size });
  }
  return files;
}

/** The release folder published as `name`, to check against a rule: listed, read and its zips opened by byte ranges. */
export function publishedFolder(config: StorageConfig, name: string): PublishedFolder {
  return {
    list: () => publishedFiles(config, name),
    read: async (fileName) => buffer(await openReleaseFile(config, name, fileName)),
    openZip: ({ fileName, size }) => openZipByRanges(size, (start, end) => openReleaseFile(config, name, fileName, { start, end })),
  };
}

/** The SFV of the release published as `name` (a few lines per volume); undefined when there is none. */
export async function readReleaseSfv(config: StorageConfig, name: string): Promise<Buffer | undefined> {
  const remote = remoteStorage(config);
  try {
    return remote ? await buffer(await remote.releases.open(name, sfvFileName(name))) : await fsp.readFile(publishedPaths(config, name).sfv);
  } catch (err) {
    if (err instanceof ObjectNotFoundError || (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Names of the published releases: folders in RELEASES_FOLDER, or committed manifests in the object store. */
export async function publishedReleaseNames(config: StorageConfig): Promise<string[]> {
  const remote = remoteStorage(config);
  if (remote) return remote.releases.committedNames();
  return (await fsp.readdir(config.storage.releasesDir, { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name);
}

/** Object store: removes a release's published files and every attempt of that name (after its row let go of it). */
export async function removeStoredRelease(config: StorageConfig, name: string): Promise<void> {
  await remoteStorage(config)?.releases.remove(name);
}

/**
 * Object store: removes staging attempts no manifest names, except those of `liveNames` (a pack
 * job is writing them) and those written within `graceMs` (a pack may be between two files).
 */
export async function removeUncommittedReleases(config: StorageConfig, liveNames: Set<string>, graceMs: number): Promise<string[]> {
  const remote = remoteStorage(config);
  if (!remote) return [];
  const removed: string[] = [];
  for (const attempt of await remote.releases.uncommitted()) {
    if (liveNames.has(attempt.name) || Date.now() - attempt.lastWrite.getTime() < graceMs) continue;
    await remote.releases.removeAttempt(attempt.name, attempt.attempt);
    removed.push(attempt.prefix);
  }
  return removed;
}

/** Upload ids looked up per query when matching stored objects to rows. */
const ID_BATCH = 500;

/**
 * Object store: keys of `uploads/<id>` objects dated before `writtenBefore` that no upload row
 * names. The API stores the object before it writes the row (the dedupe needs the whole SHA-256),
 * so an API stopped in between leaves one; so, for a few milliseconds, does every upload.
 */
export async function uploadsWithoutRow(config: StorageConfig, writtenBefore: Date): Promise<string[]> {
  const remote = remoteStorage(config);
  if (!remote) return [];
  const old = (await remote.objects.list(uploadKey(''))).filter((o) => o.modifiedAt < writtenBefore);
  const found: string[] = [];
  for (let i = 0; i < old.length; i += ID_BATCH) {
    const batch = old.slice(i, i + ID_BATCH);
    const rows = await Upload.query().whereIn('id', batch.map((o) => o.key.slice(uploadKey('').length))).select('id');
    const held = new Set(rows.map((r) => uploadKey(r.id)));
    found.push(...batch.filter((o) => !held.has(o.key)).map((o) => o.key));
  }
  return found;
}

/** Object store: removes stored upload objects by key (those `uploadsWithoutRow` found). */
export async function removeUploadObjects(config: StorageConfig, keys: string[]): Promise<void> {
  const remote = remoteStorage(config);
  if (!remote) return;
  for (const key of keys) await remote.objects.delete(key);
}
