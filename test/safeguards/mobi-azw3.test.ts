import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeMobi } from '../../jobs/inspect/fixtures/books';
import { Caller, PipelineWorld, releaseOf, startPipelineWorld } from '../support/pipeline-world';
import type { TestApp } from '../support/test-app';

/** MOBI and AZW3 (KF8) books through the whole pipeline: inspected, named with their format tag, packed, zips intact. */
let world: PipelineWorld<'operator'>;
let app: TestApp;
let operator: Caller;

/** Offset of the MOBI header's version field: the PalmDB header with two record entries, then record 0 at +36. */
const MOBI_VERSION_OFFSET = 78 + 2 * 8 + 2 + 36;

beforeAll(async () => {
  world = await startPipelineWorld({ users: { operator: ['operator'] } });
  ({ app, users: { operator } } = world);
}, 60_000);
afterAll(() => world.close());

it.each([
  ['azw3', 8, 'KF8', 'Ancillary Justice'],
  ['mobi', 6, 'MOBI', 'Ancillary Sword'],
])('packs a %s book (MOBI header version %d) under a name with the %s tag', async (format, version, tag, title) => {
  const book = path.join(app.dataDir, `justice.${format}`);
  writeMobi(book, { author: 'Leckie, Ann', title, date: '2013-10-01', language: 'en', publisher: 'Orbit' });
  const bytes = fs.readFileSync(book);
  expect(bytes.readUInt32BE(MOBI_VERSION_OFFSET)).toBe(8);
  bytes.writeUInt32BE(version, MOBI_VERSION_OFFSET);
  fs.writeFileSync(book, bytes);

  const release = await releaseOf(app, operator, book, { group: 'ESP', source: 'SCAN' });
  expect(release).toMatchObject({ state: 'done', name: `Ann.Leckie.${title.replace(' ', '.')}.2013.SCAN.${tag}.eBook-ESP` });
  expect(release.metadata.record).toMatchObject({ format });
  const dir = path.join(app.config.storage.releasesDir, release.name);
  const zips = fs.readdirSync(dir).filter((f) => f.endsWith('.zip'));
  expect(zips).toHaveLength(1);
  execFileSync('unzip', ['-tq', path.join(dir, zips[0])]);
  const listing = execFileSync('unzip', ['-Z1', path.join(dir, zips[0])]).toString();
  expect(listing).toContain(`.${format}`);
});
