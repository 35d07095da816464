import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EBOOK_2022_LIMITS } from '../../../lib/domain/rule-limits';
import { checkPublishedRelease } from './check-release';
import { publishedFolder } from '../../stored-files';
import { localReleases } from '../fixtures/local-releases';
import { encodeCp437 } from './cp437';
import { renderDiz } from './diz';
import { renderNfo } from './nfo';
import { renderNfoTemplate, SAMPLE_FACTS } from './nfo-template';
import { packRelease, PackError, PackInput } from './pack-release';
import type { ReleaseFacts } from './release-facts';
import { cp437LineWidths, dizProblems, nfoProblems } from './text-checks';

/**
 * NFO and DIZ widths are what the published CP437 bytes show. Titles in scripts CP437 lacks grow
 * when romanised (a kana is one character, its romanisation two or three): the layout must pad and
 * wrap the romanised text, and every check must measure the bytes.
 */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-width-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Japanese and Cyrillic texts whose romanisation is much longer than the original. */
const FOREIGN: ReleaseFacts = {
  ...SAMPLE_FACTS,
  name: 'Natsume.Soseki.Wagahai.wa.Neko.de.Aru.2012.JAPANESE.RETAiL.ePub.eBook-ESP',
  title: 'シャーロック・ホームズの冒険とジェーン・エアのニュースとチョコレート工場のシューマイ',
  subtitle: 'Приключения Шерлока Холмса и Щелкунчика в Жуковском',
  authors: ['Фёдор Михайлович Достоевский', 'ジェーン・シュシュ'],
  publisher: 'Издательство «Художественная литература»',
  languageName: 'Japanese',
  description: 'ニュースとジェットとシャッフルとチューリップ。'.repeat(6),
};

const widest = (text: string) => Math.max(...cp437LineWidths(encodeCp437(text)));

it('the ruler measures the bytes: a text short before encoding and too wide after is refused', () => {
  const kana = 'シャシュショ'.repeat(10); // 60 characters, 90 once romanised (shashusho)
  expect(kana.length).toBeLessThanOrEqual(80);
  expect(nfoProblems(kana, EBOOK_2022_LIMITS)).toEqual([expect.stringMatching(/^NFO line 1 is \d+ columns wide \(at most 80\)$/)]);
  expect(nfoProblems(encodeCp437(kana), EBOOK_2022_LIMITS)).toEqual(nfoProblems(kana, EBOOK_2022_LIMITS));
  expect(dizProblems(`ЩЖЧШ`.repeat(10) + '\r\nDISK: [01/01]', EBOOK_2022_LIMITS)).toEqual([expect.stringMatching(/^DIZ line 1 is \d+ columns wide \(at most 44\)$/)]);
  expect(cp437LineWidths(Buffer.from('ab\r\n\r\nabcd\nx\r\n\r\n'))).toEqual([2, 0, 4, 1]);
});

it('the built-in NFO and the DIZ pad and wrap the romanised text, so their bytes fit 80 and 44 columns', () => {
  const nfo = renderNfo(FOREIGN);
  expect(widest(nfo)).toBeLessThanOrEqual(80);
  // The box stays a box: every row of a section ends in the same column.
  const rows = nfo.split('\r\n').filter((l) => l.startsWith(' │'));
  expect(rows.length).toBeGreaterThan(10);
  expect(new Set(rows.map((r) => r.length)).size).toBe(1);
  for (let volume = 1; volume <= 3; volume++) expect(widest(renderDiz({ ...FOREIGN, volumes: 3 }, volume))).toBeLessThanOrEqual(44);
  expect(renderNfoTemplate(' {{title}} / {{subtitle}} / {{authors}}\n{{description}}', FOREIGN, 80).split('\r\n').every((l) => encodeCp437(l).length <= 80)).toBe(true);
});

function foreignInput(releasesDir: string, extra: Partial<PackInput> = {}): PackInput {
  const source = path.join(dir, 'book.epub');
  fs.writeFileSync(source, randomBytes(64 * 1024));
  const { sizeBytes, volumes, volumeSizeMb, ...facts } = FOREIGN;
  return { sourcePath: source, releasesDir, facts, ...extra };
}

it('packs a Japanese/Cyrillic book whose published NFO and DIZ keep to the widths, as the validator measures them', async () => {
  const releases = path.join(dir, 'releases-ok');
  for (const renderer of [undefined, (f: ReleaseFacts) => renderNfoTemplate(' {{title}}\n {{authors}}\n{{description}}', f, 80)]) {
    fs.rmSync(releases, { recursive: true, force: true });
    const result = await packRelease(foreignInput(releases, { renderNfo: renderer }));
    const nfoName = fs.readdirSync(result.dir).find((f) => f.endsWith('.nfo'))!;
    const published = fs.readFileSync(path.join(result.dir, nfoName));
    expect(Math.max(...cp437LineWidths(published))).toBeLessThanOrEqual(80);
    expect(Math.max(...cp437LineWidths(fs.readFileSync(path.join(result.dir, 'file_id.diz'))))).toBeLessThanOrEqual(44);
    // Read back by a real tool: the NFO inside the first zip is the same bytes.
    const zip = result.files.find((f) => f.kind === 'zip')!.fileName;
    expect(execFileSync('unzip', ['-p', path.join(result.dir, zip), nfoName]).equals(published)).toBe(true);
    const checks = await checkPublishedRelease({ folder: publishedFolder(localReleases(path.dirname(result.dir)), result.name), name: result.name, format: 'epub', group: 'ESP' }, EBOOK_2022_LIMITS);
    expect(checks.filter((c) => c.check === 'nfo' || c.check === 'diz')).toEqual([expect.objectContaining({ check: 'nfo', passed: true }), expect.objectContaining({ check: 'diz', passed: true })]);
  }
});

it('refuses, before publishing anything, an NFO that is only too wide once encoded', async () => {
  const releases = path.join(dir, 'releases-refused');
  const kanaLine = () => 'シャシュショ'.repeat(10); // 60 characters before encoding, 90 after
  await expect(packRelease(foreignInput(releases, { renderNfo: kanaLine }))).rejects.toThrow(PackError);
  await expect(packRelease(foreignInput(releases, { renderNfo: kanaLine }))).rejects.toThrow(/NFO line 1 is \d+ columns wide \(at most 80\)/);
  const published = fs.existsSync(releases) ? fs.readdirSync(releases).filter((e) => !e.startsWith('.')) : [];
  expect(published).toEqual([]);
});
