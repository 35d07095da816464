import { ManifestFile, ObjectNotFoundError, ObjectStore, ReleaseConflictError, ReleaseStore } from '../../../lib/storage';
import { NameTakenError, PackIo } from './pack-release';
import { BeginRelease, streamSource, streamSink } from './release-io';
import { sfvFileName } from './sfv';

/**
 * Packing straight from and into the object store, no local file on the way: the book is read
 * from one ranged GET of `bookKey`; each file of the release streams into a multipart upload under
 * the attempt's staging prefix `releases/<name>/<attempt>/` as it is written (an upload that fails
 * or is given up is aborted); publishing puts the SFV there too and commits by writing the
 * manifest last (ReleaseStore). A failed attempt's prefix is removed, and whatever a killed process
 * left is uncommitted, so invisible, and the reconciler's.
 */
export async function storedPackIo(releases: ReleaseStore, bookKey: string | undefined): Promise<PackIo> {
  return { book: bookKey ? await storedBook(releases.objects, bookKey) : undefined, begin: storedReleases(releases) };
}

async function storedBook(objects: ObjectStore, key: string): Promise<PackIo['book']> {
  const stored = await objects.stat(key);
  if (!stored) throw new ObjectNotFoundError(key);
  return { size: stored.size, open: async () => streamSource((start) => objects.get(key, { start })) };
}

function storedReleases(releases: ReleaseStore): BeginRelease {
  return async (name) => {
    const draft = releases.begin(name);
    // What the store measured of each file as it arrived, to compare with what was packed.
    const stored = new Map<string, ManifestFile>();
    return {
      create: async (fileName, kind) => streamSink(async (stream) => stored.set(fileName, await draft.put(fileName, kind, stream))),
      publish: async (files, sfv, adoptExisting) => {
        const differing = files.filter((f) => stored.get(f.fileName)?.sha256 !== f.sha256 || stored.get(f.fileName)?.size !== f.size);
        if (differing.length) throw new Error(`the store received other bytes than were packed for ${differing.map((f) => f.fileName).join(', ')}`);
        await draft.put(sfvFileName(name), 'sfv', sfv);
        try {
          await draft.commit(adoptExisting);
        } catch (err) {
          throw err instanceof ReleaseConflictError ? new NameTakenError(err.message) : err;
        }
      },
      discard: () => draft.abort(),
    };
  };
}
