import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mountSmallDisk, SmallDisk } from '../../../test/support/small-disk';
import { decodeCp437 } from './cp437';
import { DiskFullError, PackError, packRelease, PackInput, releaseNameOfStaging } from './pack-release';
import { maxColumns } from './text-layout';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-pack-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const NAME = 'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP';

/** The files under `folder` this process holds open (its descriptors, as the kernel lists them). */
function openFilesUnder(folder: string): string[] {
  const fds = fs.readdirSync('/proc/self/fd');
  return fds.flatMap((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(folder + path.sep) ? [target] : [];
    } catch {
      return []; // the descriptor the listing itself used, closed since
    }
  });
}

function input(sourcePath: string, releasesDir: string, extra: Partial<PackInput> = {}): PackInput {
  return {
    sourcePath,
    releasesDir,
    facts: {
      name: 'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP',
      title: 'A Wizard of Earthsea',
      authors: ['Ursula K. Le Guin'],
      publisher: 'Houghton Mifflin Harcourt',
      publishDate: '2012-09-18',
      year: 2012,
      releaseDate: '2026-11-24',
      languageName: 'English',
      source: 'RETAIL',
      format: 'epub',
      isbn: '9780547928227',
      description: 'Ged, the greatest sorcerer in all Earthsea, was called Sparrowhawk in his reckless youth. '.repeat(8),
      group: 'ESP',
    },
    ...extra,
  };
}

describe('packRelease', () => {
  it('packs a 12 MB book into 5 MB standalone zips that unzip, 7z and cksfv accept, and that rebuild the book', async () => {
    const book = randomBytes(12 * 1024 * 1024 + 123);
    const source = path.join(dir, 'book.epub');
    fs.writeFileSync(source, book);
    const releases = path.join(dir, 'releases-a');
    const progress: number[] = [];
    const result = await packRelease(input(source, releases, { volumeSizeMb: 5, expectedSha256: sha(book), onProgress: (f) => progress.push(f) }));

    expect(result.volumes).toBe(3);
    expect(result.source).toMatchObject({ size: book.length, sha256: sha(book) });
    // Progress is the share of the book read: it rises step by step within (0, 1] and ends at 1.
    // (It is reported per chunk read, 4 MiB, and once more when the release is published.)
    expect(progress[progress.length - 1]).toBe(1);
    expect(progress.every((f, i) => f > 0 && f <= 1 && (i === 0 || f >= progress[i - 1]))).toBe(true);
    expect(progress[0]).toBeCloseTo((4 * 1024 * 1024) / book.length, 6);
    expect(progress.filter((f) => f < 1).length).toBeGreaterThanOrEqual(4);
    // Every file written is closed again, and the SFV lies beside the release, in releasesDir/.checksums.
    expect(openFilesUnder(releases)).toEqual([]);
    expect(result.sfvPath).toBe(path.join(releases, '.checksums', `${NAME}.sfv`));
    expect(fs.readdirSync(releases).sort()).toEqual(['.checksums', '.incoming', NAME]);
    // Exactly the zips, one NFO and one FILE_ID.DIZ; nothing half-written left behind.
    const listing = fs.readdirSync(result.dir).sort();
    expect(listing).toEqual(['esaw12.nfo', 'esaw1201.zip', 'esaw1202.zip', 'esaw1203.zip', 'file_id.diz']);
    expect(fs.readdirSync(path.join(releases, '.incoming'))).toEqual([]);

    for (const zip of listing.filter((f) => f.endsWith('.zip'))) {
      const zipPath = path.join(result.dir, zip);
      expect(fs.statSync(zipPath).size).toBeLessThanOrEqual(5_000_000);
      expect(zip).toMatch(/^[a-z0-9]{8}\.zip$/);
      execFileSync('unzip', ['-tq', zipPath]);
      execFileSync('7z', ['t', zipPath], { stdio: 'pipe' });
      const entries = execFileSync('unzip', ['-Z1', zipPath]).toString().trim().split('\n');
      expect(entries).toContain('FILE_ID.DIZ');
      const diz = decodeCp437(execFileSync('unzip', ['-p', zipPath, 'FILE_ID.DIZ']));
      expect(diz).toContain(`DISK: [0${zip[7]}/03]`);
      expect(entries.some((e) => e.endsWith('.nfo'))).toBe(zip.endsWith('01.zip'));
    }
    execFileSync('cksfv', ['-q', '-C', result.dir, '-f', result.sfvPath]);
    // The SFV lists the zips only (not the NFO or the DIZ), under a comment naming the release and its volumes.
    const zipSums = result.files.filter((f) => f.kind === 'zip').map((f) => `${f.fileName} ${f.crc32}`);
    expect(fs.readFileSync(result.sfvPath, 'latin1')).toBe([`; ${NAME} - 3 volume(s)`, ...zipSums, ''].join('\r\n'));
    expect(zipSums.map((line) => line.slice(0, 12))).toEqual(['esaw1201.zip', 'esaw1202.zip', 'esaw1203.zip']);

    // Unpack every volume and join the parts: the book comes back byte for byte.
    const out = path.join(dir, 'out-a');
    fs.mkdirSync(out);
    for (const zip of listing.filter((f) => f.endsWith('.zip'))) execFileSync('unzip', ['-oq', path.join(result.dir, zip), '-x', 'FILE_ID.DIZ', '*.nfo', '-d', out]);
    const parts = fs.readdirSync(out).sort();
    expect(parts).toEqual(['001', '002', '003'].map((n) => `Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP.epub.${n}`));
    expect(sha(Buffer.concat(parts.map((p) => fs.readFileSync(path.join(out, p)))))).toBe(sha(book));
  });

  it('writes an NFO within 80 columns in CP437 with CRLF, and a DIZ within 44 x 30', async () => {
    const source = path.join(dir, 'small.epub');
    fs.writeFileSync(source, randomBytes(200_000));
    const releases = path.join(dir, 'releases-b');
    const result = await packRelease(input(source, releases));
    const nfoFile = result.files.find((f) => f.kind === 'nfo')!;
    const nfoBytes = fs.readFileSync(path.join(result.dir, nfoFile.fileName));
    const nfo = decodeCp437(nfoBytes);
    expect(maxColumns(nfo)).toBeLessThanOrEqual(80);
    expect(nfo.split('\r\n').length).toBeGreaterThan(20);
    expect(nfo.replace(/\r\n/g, '')).not.toContain('\n');
    expect(nfo).toContain('█');
    for (const field of ['Release date...: 2026-11-24', 'Publish date...: 2012-09-18', 'Language.......: English', 'Type...........: RETAiL', 'ISBN...........: 9780547928227', 'Disks..........: 1 x 5MB']) {
      expect(nfo).toContain(field);
    }
    // CP437 round trip: the box characters are single CP437 bytes (0xDA is ┌).
    expect(nfoBytes.includes(0xda)).toBe(true);
    const diz = decodeCp437(fs.readFileSync(path.join(result.dir, 'file_id.diz')));
    expect(maxColumns(diz)).toBeLessThanOrEqual(44);
    expect(diz.trimEnd().split('\r\n').length).toBeLessThanOrEqual(30);
    expect(diz).toContain('DISK: [01/01]');
    expect(result.files.map((f) => f.fileName).sort()).toEqual(['esawo12e.nfo', 'esawo12e.zip', 'file_id.diz']);
    // Every entry carries local midnight of the release date (zipinfo prints it as yyyymmdd.hhmmss).
    const times = execFileSync('unzip', ['-Z', '-T', path.join(result.dir, 'esawo12e.zip')]).toString().match(/ \d{8}\.\d{6} /g);
    expect(times).toEqual([' 20261124.000000 ', ' 20261124.000000 ', ' 20261124.000000 ']);
    // A single volume holds the book unsplit.
    expect(execFileSync('unzip', ['-Z1', path.join(result.dir, result.files[0].fileName)]).toString()).toContain('eBook-ESP.epub\n');
  });

  it('is deterministic, and a rerun of the same release over its published folder is accepted as the same', async () => {
    const source = path.join(dir, 'det.epub');
    fs.writeFileSync(source, randomBytes(300_000));
    const first = await packRelease(input(source, path.join(dir, 'releases-c')));
    const second = await packRelease(input(source, path.join(dir, 'releases-d')));
    expect(second.files).toEqual(first.files);
    // Only the release that owns the name adopts its folder (the pack job says so on a rerun).
    const again = await packRelease(input(source, path.join(dir, 'releases-c'), { adoptExisting: true }));
    expect(again.files).toEqual(first.files);
  });

  it('refuses a folder of the same name that another release owns, even with identical bytes, and leaves it untouched', async () => {
    const releases = path.join(dir, 'releases-h');
    const source = path.join(dir, 'same.epub');
    fs.writeFileSync(source, randomBytes(1000));
    const first = await packRelease(input(source, releases));
    await expect(packRelease(input(source, releases))).rejects.toThrow(/a folder named .* already exists and belongs to another release/);
    expect(fs.readdirSync(path.join(releases, '.incoming'))).toEqual([]);
    const kept = fs.readdirSync(first.dir).sort();
    expect(kept).toEqual(first.files.map((f) => f.fileName).sort());
    for (const f of first.files) expect(sha(fs.readFileSync(path.join(first.dir, f.fileName)))).toBe(f.sha256);
  });

  it('refuses a rerun whose folder holds different bytes, and leaves nothing behind', async () => {
    const releases = path.join(dir, 'releases-e');
    fs.writeFileSync(path.join(dir, 'one.epub'), randomBytes(1000));
    fs.writeFileSync(path.join(dir, 'two.epub'), randomBytes(1000));
    await packRelease(input(path.join(dir, 'one.epub'), releases));
    await expect(packRelease(input(path.join(dir, 'two.epub'), releases, { adoptExisting: true }))).rejects.toThrow(/a different release named .* already exists/);
    expect(fs.readdirSync(path.join(releases, '.incoming'))).toEqual([]);
  });

  it('fails on a source that does not match its recorded hash, and on too many volumes', async () => {
    const source = path.join(dir, 'bad.epub');
    fs.writeFileSync(source, randomBytes(1000));
    await expect(packRelease(input(source, path.join(dir, 'releases-f'), { expectedSha256: '0'.repeat(64) }))).rejects.toThrow(/no longer matches/);
    expect(fs.existsSync(path.join(dir, 'releases-f', 'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP'))).toBe(false);
    const big = path.join(dir, 'big.epub');
    fs.writeFileSync(big, Buffer.alloc(0));
    fs.truncateSync(big, 600_000_000);
    await expect(packRelease(input(big, path.join(dir, 'releases-g'), { volumeSizeMb: 5 }))).rejects.toThrow(/more than 99 volumes/);
  });
});

describe('packRelease, what it refuses and what it leaves', () => {
  it('refuses texts that break the rule before it writes anything, naming every problem', async () => {
    const source = path.join(dir, 'texts.epub');
    fs.writeFileSync(source, randomBytes(1000));
    const releases = path.join(dir, 'releases-texts');
    const wide = { renderNfo: () => `${'A'.repeat(90)}\r\nAuthor....: Ursula K. Le Guin\r\n${'B'.repeat(85)}\r\n` };
    const failure = packRelease(input(source, releases, wide));
    await expect(failure).rejects.toThrow(PackError);
    await expect(failure).rejects.toThrow('the release texts break the rule: NFO line 1 is 90 columns wide (at most 80); NFO line 3 is 85 columns wide (at most 80)');
    expect(fs.existsSync(releases)).toBe(false);
  });

  it('stages the release under .incoming/ in a folder the reconciler maps back to the release', async () => {
    const source = path.join(dir, 'staged.epub');
    fs.writeFileSync(source, randomBytes(3 * 1024 * 1024));
    const releases = path.join(dir, 'releases-staged');
    const staged: string[][] = [];
    await packRelease(input(source, releases, { onProgress: () => staged.push(fs.readdirSync(path.join(releases, '.incoming'))) }));
    const entry = staged[0][0];
    expect(staged.slice(0, -1).every((listing) => listing.length === 1 && listing[0] === entry)).toBe(true);
    expect(entry).toMatch(new RegExp(`^${NAME.replace(/\./g, '\\.')}\\.[0-9a-f]{12}$`));
    expect(releaseNameOfStaging(entry)).toBe(NAME);
    // Only a whole 12-hex-digit attempt suffix is taken off; anything else is a name of its own.
    expect(releaseNameOfStaging(`${NAME}.0123456789abc`)).toBe(`${NAME}.0123456789abc`);
    expect(releaseNameOfStaging(`${NAME}.0123456789a`)).toBe(`${NAME}.0123456789a`);
    expect(releaseNameOfStaging(`${NAME}.0123456789AB`)).toBe(`${NAME}.0123456789AB`);
  });

  it('refuses to adopt a folder of that name that holds one file more, and leaves the file', async () => {
    const source = path.join(dir, 'extra.epub');
    fs.writeFileSync(source, randomBytes(1000));
    const releases = path.join(dir, 'releases-extra');
    const first = await packRelease(input(source, releases));
    fs.writeFileSync(path.join(first.dir, 'extra.txt'), 'not part of the release');
    await expect(packRelease(input(source, releases, { adoptExisting: true }))).rejects.toThrow(/a different release named .* already exists/);
    expect(fs.readFileSync(path.join(first.dir, 'extra.txt'), 'utf8')).toBe('not part of the release');
    expect(fs.readdirSync(path.join(releases, '.incoming'))).toEqual([]);
  });

  it('reports a file standing where the release folder goes as it is, not as another release, and leaves it', async () => {
    const source = path.join(dir, 'blocked.epub');
    fs.writeFileSync(source, randomBytes(1000));
    const releases = path.join(dir, 'releases-blocked');
    fs.mkdirSync(releases);
    fs.writeFileSync(path.join(releases, NAME), 'a file, not a folder');
    const failure = packRelease(input(source, releases));
    await expect(failure).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(failure).rejects.not.toThrow(PackError);
    expect(fs.readFileSync(path.join(releases, NAME), 'utf8')).toBe('a file, not a folder');
    expect(fs.readdirSync(path.join(releases, '.incoming'))).toEqual([]);
  });
});

/**
 * A small disk of its own (a tmpfs, mounted for this block): a full disk fails the pack with the
 * reason an operator acts on, wherever it fills up, and gives back every byte it took.
 */
describe('packRelease on a small disk', () => {
  let disk: SmallDisk;
  beforeAll(() => {
    disk = mountSmallDisk('1m');
  });
  afterAll(() => disk.remove());

  /** Packs `book` into `releases` on the small disk, which must fail for a full disk and leave nothing. */
  async function expectDiskFull(source: string, releases: string, freeBefore: number): Promise<void> {
    const failure = packRelease(input(source, releases));
    await expect(failure).rejects.toThrow(DiskFullError);
    await expect(failure).rejects.toThrow(/^the releases disk is full \(ENOSPC: no space left on device, write\)$/);
    expect(fs.readdirSync(releases)).toEqual(['.incoming']);
    expect(fs.readdirSync(path.join(releases, '.incoming'))).toEqual([]);
    expect(openFilesUnder(disk.path)).toEqual([]);
    expect(disk.freeBytes()).toBe(freeBefore);
  }

  it('a book larger than the disk: fails in the first volume with a full disk, and frees what it wrote', async () => {
    const source = path.join(dir, 'larger-than-disk.epub');
    fs.writeFileSync(source, randomBytes(3 * 1024 * 1024));
    const releases = path.join(disk.path, 'larger');
    fs.mkdirSync(releases);
    await expectDiskFull(source, releases, disk.freeBytes());
  });

  it('a disk with room for the volume only: the NFO fails to fit, and nothing of the release is published', async () => {
    const source = path.join(dir, 'fits-barely.epub');
    fs.writeFileSync(source, randomBytes(100_000));
    // The same book packed elsewhere: the volume's size, to the byte (packing is deterministic).
    const zip = (await packRelease(input(source, path.join(dir, 'releases-barely')))).files.find((f) => f.kind === 'zip')!;
    const releases = path.join(disk.path, 'barely');
    fs.mkdirSync(releases);
    const page = fs.statfsSync(disk.path).bsize;
    // Fill the disk up to room for exactly the volume's pages (folders take no pages on a tmpfs).
    fs.writeFileSync(path.join(disk.path, 'filler'), Buffer.alloc(disk.freeBytes() - Math.ceil(zip.size / page) * page));
    try {
      await expectDiskFull(source, releases, disk.freeBytes());
    } finally {
      fs.rmSync(path.join(disk.path, 'filler'));
    }
  });
});
