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
import { crcHex, renderSfv } from './sfv';
import { fsyncPath } from '../../../lib/durable-fs';

export const INCOMING_DIR = '.incoming';
export const CHECKSUMS_DIR = '.checksums';
export const DIZ_NAME = 'file_id.diz';

export interface PackInput {
  /** The book; without one the release is NFO-only (NFOFiX, DiRFiX): one zip of the DIZ and the NFO. */
  sourcePath?: string;
  /** Facts for the NFO/DIZ; size and volume fields are filled in by the packer. */
  facts: Omit<ReleaseFacts, 'sizeBytes' | 'volumes' | 'volumeSizeMb'>;
  volumeSizeMb?: number;
  releasesDir: string;
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
  /** A rerun of the release that already owns this name: an identical published folder is its own. */
  adoptExisting?: boolean;
  /** Picks the zip name variant from each variant's prefix (unique within the year); the classic names when not given. */
  chooseZipVariant?: ChooseZipVariant;
}

export interface PackedFile {
  fileName: string;
  kind: 'zip' | 'nfo' | 'diz';
  size: number;
  crc32: string;
  sha256: string;
}

export interface PackResult {
  name: string;
  dir: string;
  sfvPath: string;
  files: PackedFile[];
  volumes: number;
  volumeSizeMb: number;
  source: { size: number; sha256: string; crc32: string };
}

export class PackError extends Error {}

/**
 * Builds a release folder in one streaming pass over the book: each volume is a standalone ZIP
 * (FILE_ID.DIZ with its disk counter, the NFO in the first, then one piece of the book, stored),
 * checksummed as it is written. Everything is built under `.incoming/` and renamed into place
 * only when complete; the same input always gives the same bytes (fixed timestamps and order),
 * so a rerun after a crash either publishes or finds its identical twin already there.
 */
export async function packRelease(input: PackInput): Promise<PackResult> {
  const size = input.sourcePath ? (await fsp.stat(input.sourcePath)).size : 0;
  const name = input.facts.name;
  const planned = await planReleaseNamed(
    { sizeBytes: size, facts: input.facts, limits: input.limits, volumeSizeMb: input.volumeSizeMb, renderNfo: input.renderNfo },
    input.chooseZipVariant,
  );
  if (planned.textProblems.length) throw new PackError(`the release texts break the rule: ${planned.textProblems.join('; ')}`);
  const { facts, zipNames, nfoName, dizTexts, partNames, volumes: plan } = planned;
  const nfo = encodeCp437(planned.nfoText);
  const mtime = localMidnight(facts.releaseDate);

  const incoming = path.join(input.releasesDir, INCOMING_DIR);
  await fsp.mkdir(incoming, { recursive: true });
  const workDir = path.join(incoming, stagingName(name));
  await fsp.mkdir(workDir);
  let volumes: ZipVolumeWriter | undefined;
  try {
    const knownSha256 = input.expectedSha256 ? undefined : input.knownSha256;
    volumes = await ZipVolumeWriter.open(input.sourcePath, size, knownSha256 === undefined, input.maxBytesPerSecond);
    const files: PackedFile[] = [];
    let written = 0;
    for (let volume = 1; volume <= plan.volumes; volume++) {
      const partBytes = Math.min(plan.partBytes, size - written);
      const texts = [{ name: 'FILE_ID.DIZ', data: encodeCp437(dizTexts[volume - 1]) }, ...(volume === 1 ? [{ name: nfoName, data: nfo }] : [])];
      const layout = planStoredZip(texts, input.sourcePath ? { name: partNames[volume - 1], size: partBytes } : undefined, mtime);
      const zip = await volumes.write(path.join(workDir, zipNames[volume - 1]), layout, partBytes, (done) => input.onProgress?.((written + done) / Math.max(size, 1)));
      written += partBytes;
      files.push({ fileName: zipNames[volume - 1], kind: 'zip', size: zip.size, sha256: zip.sha256, crc32: crcHex(zip.crc32) });
    }
    await volumes.flushed();
    const sourceSum = await volumes.source();
    if (sourceSum.size !== size) throw new PackError(`the book changed while packing (${sourceSum.size} of ${size} bytes read)`);
    if (input.sourcePath && input.expectedSha256 && sourceSum.sha256 !== input.expectedSha256) {
      throw new PackError('the stored book no longer matches its recorded SHA-256');
    }
    files.push(await writeText(workDir, nfoName, 'nfo', nfo));
    files.push(await writeText(workDir, DIZ_NAME, 'diz', encodeCp437(dizTexts[0])));

    const dir = path.join(input.releasesDir, name);
    await publishDir(workDir, dir, files, input.adoptExisting ?? false);
    const sfvPath = await writeManifest(input.releasesDir, name, files);
    input.onProgress?.(1);
    return {
      name,
      dir,
      sfvPath,
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
    await fsp.rm(workDir, { recursive: true, force: true }).catch(() => undefined);
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


async function writeText(dir: string, fileName: string, kind: PackedFile['kind'], bytes: Buffer): Promise<PackedFile> {
  await fsp.writeFile(path.join(dir, fileName), bytes, { flag: 'wx' });
  return { fileName, kind, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), crc32: crcHex(zlib.crc32(bytes)) };
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
  if (!adoptExisting) throw new PackError(`a folder named ${path.basename(dir)} already exists and belongs to another release`);
  const existing = (await fsp.readdir(dir)).sort();
  const expected = files.map((f) => f.fileName).sort();
  const same =
    existing.join('\n') === expected.join('\n') &&
    (await Promise.all(files.map(async (f) => (await sha256Of(path.join(dir, f.fileName))) === f.sha256))).every(Boolean);
  if (!same) throw new PackError(`a different release named ${path.basename(dir)} already exists`);
}

async function sha256Of(filePath: string): Promise<string> {
  const checksum = new ChecksumStream();
  await pipeline(fs.createReadStream(filePath), checksum, new PassThrough().resume());
  return checksum.result().sha256;
}

/** The SFV of the zips, kept beside (not inside) the release folder, written atomically. */
async function writeManifest(releasesDir: string, name: string, files: PackedFile[]): Promise<string> {
  const dir = path.join(releasesDir, CHECKSUMS_DIR);
  await fsp.mkdir(dir, { recursive: true });
  const target = path.join(dir, `${name}.sfv`);
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const zips = files.filter((f) => f.kind === 'zip');
  try {
    await fsp.writeFile(temp, renderSfv(zips, `${name} - ${zips.length} volume(s)`), { flush: true });
    await fsp.rename(temp, target);
  } catch (err) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncPath(dir);
  return target;
}

/** Zip entries keep local DOS time: local midnight of the release date reads the same everywhere. */
function localMidnight(isoDate: string): Date {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(y, m - 1, d, 0, 0, 0);
}
