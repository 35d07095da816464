import type { ZipReader } from '../../inspect/zip-reader';
import type { BookFormat } from '../../../lib/domain/embedded-metadata';
import { decodeCp437 } from './cp437';
import { validateReleaseName } from './release-name';
import type { RuleLimits } from '../../../lib/domain/rule-limits';
import { dizProblems, nfoCreatorProblems, nfoProblems } from './text-checks';

export interface RuleCheck {
  check: string;
  passed: boolean;
  detail: string;
}

/** Read access to a published release folder, wherever it is kept (jobs/stored-files.ts). */
export interface PublishedFolder {
  /** Its files with their sizes; undefined when there is no such folder. */
  list(): Promise<{ fileName: string; size: number }[] | undefined>;
  /** A whole file (the NFO, the DIZ: small texts). */
  read(fileName: string): Promise<Buffer>;
  openZip(file: { fileName: string; size: number }): Promise<ZipReader>;
}

export interface PublishedRelease {
  folder: PublishedFolder;
  name: string;
  format: BookFormat;
  group: string;
}

const ZIP_8_3 = /^[A-Za-z0-9_-]{1,8}\.zip$/;
const MAX_TEXT_BYTES = 64 * 1024;

/**
 * Checks a published release folder, as it is stored, against a rule: name, format, folder
 * layout, zip names, volume count and size, the NFO, the DIZ, and what each zip holds.
 */
export async function checkPublishedRelease(release: PublishedRelease, limits: RuleLimits): Promise<RuleCheck[]> {
  const checks: RuleCheck[] = [];
  const add = (check: string, problems: string[], ok: string) => checks.push({ check, passed: problems.length === 0, detail: problems.length ? problems.join('; ') : ok });

  add('dirname-length', release.name.length > limits.dirnameMaxLength ? [`${release.name.length} characters (at most ${limits.dirnameMaxLength})`] : [], `${release.name.length} characters`);
  const nameProblems = validateReleaseName(release.name, { format: release.format, group: release.group }).filter((p) => p.rule !== 'length');
  add('dirname-rules', nameProblems.map((p) => `${p.rule}: ${p.message}`), 'order, tags, group suffix and characters conform');
  add('format', limits.formats.includes(release.format) ? [] : [`${release.format} is not an allowed format (${limits.formats.join(', ')})`], `${release.format} is allowed`);

  const listed = await release.folder.list();
  if (!listed) {
    add('layout', ['the release folder is missing'], '');
    return checks;
  }
  const sizeOf = new Map(listed.map((f) => [f.fileName, f.size]));
  const entries = [...sizeOf.keys()].sort();
  const zips = entries.filter((e) => e.toLowerCase().endsWith('.zip'));
  const nfos = entries.filter((e) => e.toLowerCase().endsWith('.nfo'));
  const dizs = entries.filter((e) => e.toLowerCase() === 'file_id.diz');
  const others = entries.filter((e) => !zips.includes(e) && !nfos.includes(e) && !dizs.includes(e));
  const layout: string[] = [];
  if (nfos.length !== 1) layout.push(`${nfos.length} .nfo files (exactly one)`);
  if (dizs.length !== 1) layout.push(`${dizs.length} file_id.diz (exactly one)`);
  if (zips.length === 0) layout.push('no zip volumes');
  if (others.length) layout.push(`unexpected files: ${others.join(', ')}`);
  add('layout', layout, `${zips.length} zip(s), one .nfo, one file_id.diz`);
  add('zip-names', zips.filter((z) => !ZIP_8_3.test(z)).map((z) => `${z} is not an 8.3 name`), 'all 8.3');
  add('volume-count', zips.length > limits.maxVolumes ? [`${zips.length} volumes (at most ${limits.maxVolumes})`] : [], `${zips.length} of at most ${limits.maxVolumes}`);

  const largest = Math.max(0, ...zips.map((z) => sizeOf.get(z)!));
  const fits = [...limits.volumeSizesMb].sort((a, b) => a - b).find((mb) => largest <= mb * 1_000_000);
  add('volume-size', fits ? [] : [`the largest volume is ${largest} bytes, over every allowed size`], `every volume fits ${fits} MB`);

  if (nfos.length === 1) {
    // Measured on the published bytes themselves, as the packer measured them before writing.
    const nfo = await release.folder.read(nfos[0]);
    add('nfo', nfoProblems(nfo, limits), `at most ${limits.nfoWidth} columns`);
    add('nfo-creator', nfoCreatorProblems(nfo), 'states the author or publisher');
  }
  if (dizs.length === 1) {
    const diz = await release.folder.read(dizs[0]);
    add('diz', dizProblems(diz, limits), `at most ${limits.dizWidth} x ${limits.dizLines} with the disk counter`);
  }
  add('zip-contents', await zipContentProblems(release.folder, zips.map((z) => ({ fileName: z, size: sizeOf.get(z)! })), nfos[0]), 'each zip holds its FILE_ID.DIZ and DISK counter, the first the NFO, none an SFV');
  return checks;
}

async function zipContentProblems(folder: PublishedFolder, zips: { fileName: string; size: number }[], nfoName: string | undefined): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, file] of zips.entries()) {
    const zipName = file.fileName;
    try {
      const zip = await folder.openZip(file);
      try {
        const diz = await zip.read('FILE_ID.DIZ', MAX_TEXT_BYTES);
        const counter = `DISK: [${String(i + 1).padStart(2, '0')}/${String(zips.length).padStart(2, '0')}]`;
        if (!diz) problems.push(`${zipName} holds no FILE_ID.DIZ`);
        else if (!decodeCp437(diz).includes(counter)) problems.push(`${zipName}'s FILE_ID.DIZ does not show ${counter}`);
        if (i === 0 && nfoName && !zip.names.includes(nfoName)) problems.push(`${zipName} (the first) does not hold ${nfoName}`);
        if (zip.names.some((n) => n.toLowerCase().endsWith('.sfv'))) problems.push(`${zipName} holds an SFV`);
      } finally {
        zip.close();
      }
    } catch (err) {
      problems.push(`${zipName} cannot be read: ${(err as Error).message}`);
    }
  }
  return problems;
}
