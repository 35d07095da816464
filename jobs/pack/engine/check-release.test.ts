import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EBOOK_2022_LIMITS } from '../../../lib/domain/rule-limits';
import { checkPublishedRelease } from './check-release';
import { publishedFolder } from '../../stored-files';
import { localReleases } from '../fixtures/local-releases';
import { renderNfo } from './nfo';
import { packRelease } from './pack-release';
import type { ReleaseFacts } from './release-facts';
import { nfoCreatorProblems } from './text-checks';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-check-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const facts = {
  name: 'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP',
  title: 'A Wizard of Earthsea',
  authors: ['Ursula K. Le Guin'],
  publisher: 'Houghton Mifflin Harcourt',
  year: 2012,
  releaseDate: '2026-11-24',
  languageName: 'English',
  source: 'RETAIL' as const,
  format: 'epub' as const,
  group: 'ESP',
};

/** Packs a small book with the given NFO layout and validates the published folder. */
async function validated(releasesDir: string, nfo: (f: ReleaseFacts) => string) {
  const source = path.join(dir, 'book.epub');
  fs.writeFileSync(source, 'book bytes');
  const result = await packRelease({ sourcePath: source, releasesDir: path.join(dir, releasesDir), facts, renderNfo: nfo });
  const checks = await checkPublishedRelease({ folder: publishedFolder(localReleases(path.dirname(result.dir)), result.name), name: result.name, format: 'epub', group: 'ESP' }, EBOOK_2022_LIMITS);
  return checks.find((c) => c.check === 'nfo-creator');
}

describe('the NFO creator check of a published release', () => {
  it('passes the built-in NFO, which prints the Author and Publisher lines', async () => {
    expect(await validated('built-in', renderNfo)).toEqual({ check: 'nfo-creator', passed: true, detail: 'states the author or publisher' });
  });

  it('reports a published NFO that names neither the author nor the publisher', async () => {
    const bare = (f: ReleaseFacts) => `${f.title}\r\nby somebody\r\nReleased: ${f.releaseDate}\r\n`;
    expect(await validated('bare', bare)).toEqual({ check: 'nfo-creator', passed: false, detail: 'the NFO has no Author or Publisher line' });
  });

  it.each([
    ['Author ....: Ursula K. Le Guin', true],
    [' │ PUBLISHER : Tor Books │', true],
    ['Authors: A and B', true],
    ['Publisher......: Apress', true],
    ['Author ....: ', false],
    [' │ Author: │', false],
    ['by Ursula K. Le Guin', false],
    ['Coauthored with friends', false],
  ])('reads %j as a creator line: %s', (line, ok) => {
    expect(nfoCreatorProblems(`Title: X\r\n${line}\r\n`)).toEqual(ok ? [] : ['the NFO has no Author or Publisher line']);
  });
});

describe('checkPublishedRelease', () => {
  const limits = EBOOK_2022_LIMITS;
  let packedOnce: { dir: string; name: string; zips: string[]; nfo: string } | undefined;

  /**
   * A two-volume release (6 MB in volumes of 5 MB), packed by the first test that needs it rather
   * than in beforeAll: code run in a hook belongs to no test, and Stryker would then run every
   * test of the module for each mutant of the packer's texts.
   */
  async function packedRelease() {
    if (packedOnce) return packedOnce;
    const source = path.join(dir, 'two-volumes.epub');
    fs.writeFileSync(source, Buffer.alloc(6_000_000, 7));
    const result = await packRelease({ sourcePath: source, releasesDir: path.join(dir, 'two'), facts });
    const files = fs.readdirSync(result.dir).sort();
    packedOnce = { dir: result.dir, name: result.name, zips: files.filter((f) => f.endsWith('.zip')), nfo: files.find((f) => f.endsWith('.nfo'))! };
    return packedOnce;
  }

  /** A copy of the packed release, changed by `change`, checked under `name`. */
  async function checkedCopy(change: (copy: string) => void, options: { name?: string; format?: 'epub' | 'pdf'; limits?: typeof limits } = {}) {
    const packed = await packedRelease();
    const releases = fs.mkdtempSync(path.join(dir, 'copy-'));
    const name = options.name ?? packed.name;
    fs.cpSync(packed.dir, path.join(releases, name), { recursive: true });
    change(path.join(releases, name));
    const folder = publishedFolder(localReleases(releases), name);
    return checkPublishedRelease({ folder, name, format: options.format ?? 'epub', group: 'ESP' }, options.limits ?? limits);
  }
  const failed = (checks: { check: string; passed: boolean; detail: string }[]) => Object.fromEntries(checks.filter((c) => !c.passed).map((c) => [c.check, c.detail]));
  /** A zip of `entries` (name -> contents) written with Info-ZIP. */
  const writeZip = (file: string, entries: Record<string, string>) => {
    const work = fs.mkdtempSync(path.join(dir, 'zip-'));
    for (const [entry, text] of Object.entries(entries)) fs.writeFileSync(path.join(work, entry), text);
    fs.rmSync(file, { force: true });
    execFileSync('zip', ['-q', '-j', file, ...Object.keys(entries).map((e) => path.join(work, e))]);
  };

  it('passes every check of a release as the packer publishes it, saying what it measured', async () => {
    const packed = await packedRelease();
    expect(packed.zips).toHaveLength(2);
    const checks = await checkedCopy(() => undefined);
    expect(checks).toEqual([
      { check: 'dirname-length', passed: true, detail: `${packed.name.length} characters` },
      { check: 'dirname-rules', passed: true, detail: 'order, tags, group suffix and characters conform' },
      { check: 'format', passed: true, detail: 'epub is allowed' },
      { check: 'layout', passed: true, detail: '2 zip(s), one .nfo, one file_id.diz' },
      { check: 'zip-names', passed: true, detail: 'all 8.3' },
      { check: 'volume-count', passed: true, detail: '2 of at most 99' },
      { check: 'volume-size', passed: true, detail: 'every volume fits 5 MB' },
      { check: 'nfo', passed: true, detail: 'at most 80 columns' },
      { check: 'nfo-creator', passed: true, detail: 'states the author or publisher' },
      { check: 'diz', passed: true, detail: 'at most 44 x 30 with the disk counter' },
      { check: 'zip-contents', passed: true, detail: 'each zip holds its FILE_ID.DIZ and DISK counter, the first the NFO, none an SFV' },
    ]);
  });

  it("reports a name over the rule's length, a name breaking the rules and a format the rule does not allow", async () => {
    const name = `${'Long.'.repeat(45)}2012.RETAiL.ePub.eBook-ESP`;
    const strict = { ...limits, dirnameMaxLength: 200, formats: ['pdf' as const] };
    expect(failed(await checkedCopy(() => undefined, { name, limits: strict }))).toEqual({
      'dirname-length': `${name.length} characters (at most 200)`,
      format: 'epub is not an allowed format (pdf)',
    });
    expect(failed(await checkedCopy(() => undefined, { name: 'Earthsea.2012.ePub.eBook-ESP' }))).toEqual({
      'dirname-rules': 'source: needs a source tag: RETAiL, SCAN or HYBRiD; title: needs an author or publisher and a title before the year',
    });
  });

  it('reports a missing folder and stops there', async () => {
    const packed = await packedRelease();
    const folder = publishedFolder(localReleases(path.join(dir, 'nowhere')), packed.name);
    const checks = await checkPublishedRelease({ folder, name: packed.name, format: 'epub', group: 'ESP' }, limits);
    expect(checks.map((c) => c.check)).toEqual(['dirname-length', 'dirname-rules', 'format', 'layout']);
    expect(checks.at(-1)).toEqual({ check: 'layout', passed: false, detail: 'the release folder is missing' });
  });

  it('reports a second NFO, a missing DIZ, a stray file and a zip name that is not 8.3', async () => {
    const packed = await packedRelease();
    const checks = await checkedCopy((copy) => {
      fs.writeFileSync(path.join(copy, 'extra.nfo'), 'Author: X\r\n');
      fs.rmSync(path.join(copy, 'file_id.diz'));
      fs.writeFileSync(path.join(copy, 'notes.txt'), 'x');
      fs.renameSync(path.join(copy, packed.zips[1]), path.join(copy, 'a-much-too-long-name.zip'));
    });
    expect(failed(checks)).toMatchObject({
      layout: '2 .nfo files (exactly one); 0 file_id.diz (exactly one); unexpected files: notes.txt',
      'zip-names': 'a-much-too-long-name.zip is not an 8.3 name',
    });
    // With two NFOs neither is read; without a DIZ file there is no DIZ check.
    expect(checks.map((c) => c.check)).not.toEqual(expect.arrayContaining(['nfo', 'diz']));
  });

  it('reports a release without zips', async () => {
    const packed = await packedRelease();
    const checks = await checkedCopy((copy) => packed.zips.forEach((z) => fs.rmSync(path.join(copy, z))));
    expect(failed(checks)).toEqual({ layout: 'no zip volumes' });
  });

  it('reports more volumes than the rule allows, and a volume over every allowed size', async () => {
    const packed = await packedRelease();
    expect(failed(await checkedCopy(() => undefined, { limits: { ...limits, maxVolumes: 1 } }))).toEqual({ 'volume-count': '2 volumes (at most 1)' });
    const largest = Math.max(...packed.zips.map((z) => fs.statSync(path.join(packed.dir, z)).size));
    expect(largest).toBeGreaterThan(4_000_000);
    expect(failed(await checkedCopy(() => undefined, { limits: { ...limits, volumeSizesMb: [1, 4] } }))).toEqual({
      'volume-size': `the largest volume is ${largest} bytes, over every allowed size`,
    });
    // The smallest allowed size that fits is named, whatever the order of the rule's list.
    expect((await checkedCopy(() => undefined, { limits: { ...limits, volumeSizesMb: [50, 10, 5] } })).find((c) => c.check === 'volume-size')?.detail).toBe('every volume fits 5 MB');
  });

  it('reports an NFO too wide, without a creator line, and a DIZ without its counter', async () => {
    const packed = await packedRelease();
    const checks = await checkedCopy((copy) => {
      fs.writeFileSync(path.join(copy, packed.nfo), `${'x'.repeat(81)}\r\n`);
      fs.writeFileSync(path.join(copy, 'file_id.diz'), 'no counter\r\n');
    });
    expect(failed(checks)).toEqual({
      nfo: 'NFO line 1 is 81 columns wide (at most 80)',
      'nfo-creator': 'the NFO has no Author or Publisher line',
      diz: 'the DIZ does not show the disk counter DISK: [xx/NN]',
    });
  });

  it("reports each zip that lacks its DIZ or counter, a first zip without the NFO, an SFV inside, and a zip that cannot be read", async () => {
    const packed = await packedRelease();
    const [first, second] = packed.zips;
    const checks = await checkedCopy((copy) => {
      writeZip(path.join(copy, first), { 'FILE_ID.DIZ': 'DISK: [02/02]\r\n', 'book.sfv': 'book 00000000\r\n' });
      writeZip(path.join(copy, second), { 'other.txt': 'x' });
    });
    expect(failed(checks)['zip-contents']).toBe(
      [`${first}'s FILE_ID.DIZ does not show DISK: [01/02]`, `${first} (the first) does not hold ${packed.nfo}`, `${first} holds an SFV`, `${second} holds no FILE_ID.DIZ`].join('; '),
    );
    const broken = await checkedCopy((copy) => fs.writeFileSync(path.join(copy, second), 'not a zip at all'));
    expect(failed(broken)['zip-contents']).toMatch(new RegExp(`^${second} cannot be read: .+`));
  });
});
