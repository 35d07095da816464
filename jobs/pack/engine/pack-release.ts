import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { ChecksumStream } from '../../../lib/checksum-stream';
import { encodeCp437 } from './cp437';
import type { RuleLimits } from '../../../lib/domain/rule-limits';
import type { ReleaseFacts } from './release-facts';
import { ChooseZipVariant, planReleaseNamed } from './release-plan';
import { planStoredZip } from './stored-zip';
import { ShortBookError, ZipVolumeWriter } from './zip-volume-writer';
import { BeginRelease, BookSource, fileSink, fileSource, ReleaseAttempt } from './release-io';
import { crcHex, renderSfv, sfvFileName } from './sfv';
import { fsyncPath } from '../../../lib/durable-fs';

export const INCOMING_DIR = '.incoming';
export const CHECKSUMS_DIR = '.checksums';
export const DIZ_NAME = 'file_id.diz';

/** What a release is packed from, wherever the book is read and the release published. */
export interface PackOptions {
  /** Facts for the NFO/DIZ; size and volume fields are filled in by the packer. */
  facts: Omit<ReleaseFacts, 'sizeBytes' | 'volumes' | 'volumeSizeMb'>;
  volumeSizeMb?: number;
  /** When given, the source must hash to this (the upload's recorded SHA-256). */
  expectedSha256?: string;
  /**
   * The source's SHA-256 as computed and recorded when it was stored (the upload), trusted instead
   * of hashing the whole book again; `source.sha256` reports it. Ignored when `expectedSha256` is given.
   */
  knownSha256?: string;
  onProgress?: (fraction: number) => void;
  /** Read the book no faster than this many bytes a second (no cap when 0 or not given). */
  maxBytesPerSecond?: number;
  /** The rule the release must meet; the 2022 eBook rules when not given. */
  limits?: RuleLimits;
  /** Renders the NFO (a stored template); the built-in layout when not given. */
  renderNfo?: (facts: ReleaseFacts) => string;
  /** A rerun of the release that already owns this name: an identical published release is its own. */
  adoptExisting?: boolean;
  /** Picks the zip name variant from each variant's prefix (unique within the year); the classic names when not given. */
  chooseZipVariant?: ChooseZipVariant;
}

/** Packing into local folders: the book is a file, the release a folder of `releasesDir`. */
export interface PackInput extends PackOptions {
  /** The book; without one the release is NFO-only (NFOFiX, DiRFiX): one zip of the DIZ and the NFO. */
  sourcePath?: string;
  releasesDir: string;
}

/** Where the book comes from (none for an NFO-only release) and where the release goes. */
export interface PackIo {
  book?: { size: number; open(): Promise<BookSource> };
  begin: BeginRelease;
}

export interface PackedFile {
  fileName: string;
  kind: 'zip' | 'nfo' | 'diz';
  size: number;
  crc32: string;
  sha256: string;
}

export interface PackedRelease {
  name: string;
  files: PackedFile[];
  volumes: number;
  volumeSizeMb: number;
  source: { size: number; sha256: string; crc32: string };
}

export interface PackResult extends PackedRelease {
  dir: string;
  sfvPath: string;
}

export class PackError extends Error {}

/**
 * The release's name is taken where it is published: a folder (or stored release) of that name
 * that is not this release's to adopt. It belongs to another release, or to none (left by a
 * database-only restore, say): either way it is left exactly as it is.
 */
export class NameTakenError extends PackError {}

/** Packs into local folders: the release is published as `releasesDir/<name>`, its SFV in `releasesDir/.checksums/`. */
export async function packRelease(input: PackInput): Promise<PackResult> {
  const { sourcePath, releasesDir, ...options } = input;
  const book = sourcePath ? { size: (await fsp.stat(sourcePath)).size, open: () => fileSource(sourcePath) } : undefined;
  const packed = await packReleaseWith(options, { book, begin: localReleases(releasesDir) });
  return { ...packed, dir: path.join(releasesDir, packed.name), sfvPath: path.join(releasesDir, CHECKSUMS_DIR, sfvFileName(packed.name)) };
}

/**
 * Builds a release in one streaming pass over the book: each volume is a standalone ZIP
 * (FILE_ID.DIZ with its disk counter, the NFO in the first, then one piece of the book, stored),
 * written front to back and checksummed as it is written. Nothing is visible until every file is
 * written and the attempt publishes them together; the same input always gives the same bytes
 * (fixed timestamps and order), so a rerun after a crash either publishes or finds its identical
 * twin already there.
 */
export async function packReleaseWith(input: PackOptions, io: PackIo): Promise<PackedRelease> {
  const size = io.book?.size ?? 0;
  const name = input.facts.name;
  const planned = await planReleaseNamed(
    { sizeBytes: size, facts: input.facts, limits: input.limits, volumeSizeMb: input.volumeSizeMb, renderNfo: input.renderNfo },
    input.chooseZipVariant,
  );
  if (planned.textProblems.length) throw new PackError(`the release texts break the rule: ${planned.textProblems.join('; ')}`);
  const { facts, zipNames, nfoName, dizTexts, partNames, volumes: plan } = planned;
  const nfo = encodeCp437(planned.nfoText);
  const mtime = localMidnight(facts.releaseDate);

  const attempt = await io.begin(name);
  let volumes: ZipVolumeWriter | undefined;
  let published = false;
  try {
    const knownSha256 = input.expectedSha256 ? undefined : input.knownSha256;
    volumes = await ZipVolumeWriter.open(await io.book?.open(), size, knownSha256 === undefined, input.maxBytesPerSecond);
    const files: PackedFile[] = [];
    let written = 0;
    for (let volume = 1; volume <= plan.volumes; volume++) {
      const partBytes = Math.min(plan.partBytes, size - written);
      const texts = [{ name: 'FILE_ID.DIZ', data: encodeCp437(dizTexts[volume - 1]) }, ...(volume === 1 ? [{ name: nfoName, data: nfo }] : [])];
      const layout = planStoredZip(texts, io.book ? { name: partNames[volume - 1], size: partBytes } : undefined, mtime);
      const zip = await volumes.write(await attempt.create(zipNames[volume - 1], 'zip'), layout, partBytes, (done) => input.onProgress?.((written + done) / Math.max(size, 1)));
      written += partBytes;
      files.push({ fileName: zipNames[volume - 1], kind: 'zip', size: zip.size, sha256: zip.sha256, crc32: crcHex(zip.crc32) });
    }
    await volumes.flushed();
    const sourceSum = await volumes.source();
    if (sourceSum.size !== size) throw new PackError(`the book changed while packing (${sourceSum.size} of ${size} bytes read)`);
    if (io.book && input.expectedSha256 && sourceSum.sha256 !== input.expectedSha256) {
      throw new PackError('the stored book no longer matches its recorded SHA-256');
    }
    files.push(await writeText(attempt, nfoName, 'nfo', nfo));
    files.push(await writeText(attempt, DIZ_NAME, 'diz', encodeCp437(dizTexts[0])));

    const zips = files.filter((f) => f.kind === 'zip');
    await attempt.publish(files, Buffer.from(renderSfv(zips, `${name} - ${zips.length} volume(s)`)), input.adoptExisting ?? false);
    published = true;
    input.onProgress?.(1);
    return {
      name,
      files,
      volumes: plan.volumes,
      volumeSizeMb: plan.volumeSizeMb,
      source: { size, sha256: knownSha256 ?? (sourceSum.sha256 as string), crc32: crcHex(sourceSum.crc32) },
    };
  } catch (err) {
    if (err instanceof ShortBookError) throw new PackError(err.message);
    throw asPackFailure(err);
  } finally {
    await volumes?.close();
    // A leftover here is the reconciler's to remove; it must not hide the packing error.
    if (!published) await attempt.discard().catch(() => undefined);
  }
}

/** The staging folder of one attempt: `<name>.<random>`, so the reconciler can tell whose it is. */
function stagingName(name: string): string {
  return `${name}.${randomBytes(6).toString('hex')}`;
}

/** The release a staging entry under `.incoming/` belongs to (its name without the attempt suffix). */
export function releaseNameOfStaging(entry: string): string {
  return entry.replace(/\.[0-9a-f]{12}$/, '');
}

/** Raised when the releases disk has no room: a reason an operator can act on. */
export class DiskFullError extends Error {}

function asPackFailure(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError(`the releases disk is full (${(err as Error).message})`);
  return err;
}


async function writeText(attempt: ReleaseAttempt, fileName: string, kind: PackedFile['kind'], bytes: Buffer): Promise<PackedFile> {
  const sink = await attempt.create(fileName, kind);
  try {
    await sink.write(bytes);
  } catch (err) {
    await sink.abort();
    throw err;
  }
  await sink.finish();
  return { fileName, kind, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), crc32: crcHex(zlib.crc32(bytes)) };
}

/**
 * Local folders: each attempt builds its folder under `.incoming/`, then publishes it by rename
 * (publishDir) and writes the SFV beside it.
 */
function localReleases(releasesDir: string): BeginRelease {
  return async (name) => {
    const incoming = path.join(releasesDir, INCOMING_DIR);
    await fsp.mkdir(incoming, { recursive: true });
    const workDir = path.join(incoming, stagingName(name));
    await fsp.mkdir(workDir);
    return {
      create: (fileName) => fileSink(path.join(workDir, fileName)),
      publish: async (files, sfv, adoptExisting) => {
        await publishDir(workDir, path.join(releasesDir, name), files, adoptExisting);
        await writeSfv(releasesDir, name, sfv);
      },
      discard: () => fsp.rm(workDir, { recursive: true, force: true }),
    };
  };
}

/**
 * Makes the finished folder durable, then renames it into place: every file and the folder are
 * fsync'ed before the rename and the parent after it, so a power cut cannot publish a folder of
 * empty files. An existing folder of that name is adopted only on a rerun of the same release
 * (`adoptExisting`: the name is already that release's) and only if it holds exactly the same
 * files; any other folder belongs to another release and packing fails without touching it.
 */
async function publishDir(workDir: string, dir: string, files: PackedFile[], adoptExisting: boolean): Promise<void> {
  // All at once: the kernel can flush them in one journal commit instead of one after another.
  await Promise.all(files.map((f) => fsyncPath(path.join(workDir, f.fileName))));
  await fsyncPath(workDir);
  try {
    await fsp.rename(workDir, dir);
    await fsyncPath(path.dirname(dir));
    return;
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  }
  if (!adoptExisting) throw new NameTakenError(`a folder named ${path.basename(dir)} already exists and belongs to another release (or to none: the reconciler lists such folders); it was left as it is`);
  const existing = (await fsp.readdir(dir)).sort();
  const expected = files.map((f) => f.fileName).sort();
  const same =
    existing.join('\n') === expected.join('\n') &&
    (await Promise.all(files.map(async (f) => (await sha256Of(path.join(dir, f.fileName))) === f.sha256))).every(Boolean);
  if (!same) throw new NameTakenError(`a different release named ${path.basename(dir)} already exists; it was left as it is`);
}

async function sha256Of(filePath: string): Promise<string> {
  const checksum = new ChecksumStream();
  await pipeline(fs.createReadStream(filePath), checksum, new PassThrough().resume());
  return checksum.result().sha256;
}

/** The SFV of the zips, kept beside (not inside) the release folder, written atomically. */
async function writeSfv(releasesDir: string, name: string, sfv: Buffer): Promise<void> {
  const dir = path.join(releasesDir, CHECKSUMS_DIR);
  await fsp.mkdir(dir, { recursive: true });
  const target = path.join(dir, sfvFileName(name));
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fsp.writeFile(temp, sfv, { flush: true });
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncPath(dir);
}

/** Zip entries keep local DOS time: local midnight of the release date reads the same everywhere. */
function localMidnight(isoDate: string): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(y, m - 1, d, 0, 0, 0);
}
