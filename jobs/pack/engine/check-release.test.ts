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
