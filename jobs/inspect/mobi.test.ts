import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeMobi } from './fixtures/books';
import { readMobiMetadata } from './mobi';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-mobi-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

/** Overwrites one 32-bit field of the EXTH header (4: its length, 8: its record count). */
function patchExthHeader(filePath: string, field: 4 | 8, value: number): void {
  const bytes = fs.readFileSync(filePath);
  bytes.writeUInt32BE(value, bytes.indexOf('EXTH') + field);
  fs.writeFileSync(filePath, bytes);
}

describe('readMobiMetadata', () => {
  it('reads all of an EXTH flooded with 110,000 author records, each once', async () => {
    // About 1 MB of one-letter records, as in the attack; the title record comes after them all.
    const flood = Array.from({ length: 110_000 }, (): [number, string] => [100, 'A']);
    writeMobi(file('flood.azw3'), { author: 'Mantel, Hilary', records: [...flood, [503, 'Wolf Hall']] });
    expect(await readMobiMetadata(file('flood.azw3'))).toMatchObject({ format: 'azw3', title: 'Wolf Hall', authors: ['Hilary Mantel', 'A'] });
  });

  it.each([
    ['declares more records than its length holds', 8, 0xffffffff],
    ['is longer than record 0', 4, 0x7fffffff],
  ] as const)('reads an EXTH header that %s as no EXTH: the title is the full name', async (_, field, value) => {
    writeMobi(file('malformed.azw3'), { records: [[100, 'Mantel, Hilary'], [503, 'Wolf Hall']] });
    patchExthHeader(file('malformed.azw3'), field, value);
    expect(await readMobiMetadata(file('malformed.azw3'))).toMatchObject({ format: 'azw3', title: 'Book', authors: [] });
  });
});
