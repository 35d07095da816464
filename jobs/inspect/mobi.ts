import fsp from 'node:fs/promises';
import { cleanText, EmbeddedMetadata, naturalName, stripHtml, uniqueNonEmpty, yearOf } from '../../lib/domain/embedded-metadata';
import { normalizeIsbn } from '../../lib/domain/isbn';
import { normalizeLanguage } from '../metadata/language';
import { refuseMobiDrm } from './drm';
import { RejectedFileError } from './rejected-file-error';

/** EXTH record types we read (MobileRead wiki's MOBI format page lists them). */
const EXTH = { author: 100, publisher: 101, description: 103, isbn: 104, date: 106, asin: 113, kf8Boundary: 121, title: 503, language: 524 };
const MAX_RECORD0_BYTES = 1024 * 1024;

/**
 * PalmDB/MOBI header and EXTH metadata from record 0 only. KF8 (AZW3) is told apart by a MOBI
 * version of 8 or a KF8 boundary record.
 */
export async function readMobiMetadata(filePath: string): Promise<EmbeddedMetadata> {
  const handle = await fsp.open(filePath, 'r');
  try {
    const header = Buffer.alloc(78);
    await handle.read(header, 0, 78, 0);
    const type = header.toString('latin1', 60, 68);
    const records = header.readUInt16BE(76);
    if (records < 1) throw new RejectedFileError('MOBI file with no records');
    const offsets = Buffer.alloc(16);
    await handle.read(offsets, 0, Math.min(16, records * 8), 78);
    const start = offsets.readUInt32BE(0);
    const { size } = await handle.stat();
    const end = records > 1 ? offsets.readUInt32BE(8) : size;
    if (start >= size || end <= start) throw new RejectedFileError('MOBI record table points outside the file');
    const record0 = Buffer.alloc(Math.min(end - start, MAX_RECORD0_BYTES));
    await handle.read(record0, 0, record0.length, start);
    if (type === 'TEXtREAd') return { format: 'prc', authors: [], identifiers: [], title: cleanText(header.toString('latin1', 0, 32).replace(/\0.*$/s, '')) };
    return parseRecord0(record0);
  } finally {
    await handle.close();
  }
}

function parseRecord0(record0: Buffer): EmbeddedMetadata {
  if (record0.length < 132 || record0.toString('latin1', 16, 20) !== 'MOBI') throw new RejectedFileError('MOBI header missing');
  refuseMobiDrm(record0);
  const headerLength = record0.readUInt32BE(20);
  const encoding = record0.readUInt32BE(28) === 65001 ? 'utf8' : 'latin1';
  const version = record0.readUInt32BE(36);
  const nameOffset = record0.readUInt32BE(84);
  const nameLength = record0.readUInt32BE(88);
  const hasExth = (record0.readUInt32BE(128) & 0x40) !== 0;
  const fullName = nameOffset + nameLength <= record0.length ? record0.toString(encoding, nameOffset, nameOffset + nameLength) : undefined;

  const exth = hasExth ? readExth(record0, 16 + headerLength, encoding) : new Map<number, string[]>();
  const first = (type: number) => cleanText(exth.get(type)?.[0]);
  const isKf8 = version >= 8 || exth.has(EXTH.kf8Boundary);
  const date = first(EXTH.date);
  const isbnValues = exth.get(EXTH.isbn) ?? [];
  return {
    format: isKf8 ? 'azw3' : 'mobi',
    formatVersion: String(version),
    title: first(EXTH.title) ?? cleanText(fullName),
    authors: uniqueNonEmpty((exth.get(EXTH.author) ?? []).map((a) => cleanText(a)).map((a) => (a ? naturalName(a) : undefined))),
    publisher: first(EXTH.publisher),
    date,
    year: yearOf(date),
    language: normalizeLanguage(first(EXTH.language)),
    isbn: isbnValues.map((v) => normalizeIsbn(v)).find(Boolean),
    identifiers: [
      ...isbnValues.map((value) => ({ type: 'ISBN', value })),
      ...(exth.get(EXTH.asin) ?? []).map((value) => ({ type: 'ASIN', value })),
    ],
    description: stripHtml(first(EXTH.description)),
  };
}

/**
 * EXTH records by type, in file order. The work is bounded by the EXTH header itself: a header
 * whose length runs past record 0, or whose record count cannot fit in that length (every record
 * takes at least 8 bytes), is malformed and read as no EXTH at all, like a missing one; a record
 * running past the EXTH block ends the reading. Values are pushed, not copied: a crafted record 0
 * holds 100,000 records.
 */
function readExth(record0: Buffer, offset: number, encoding: BufferEncoding): Map<number, string[]> {
  const records = new Map<number, string[]>();
  if (offset + 12 > record0.length || record0.toString('latin1', offset, offset + 4) !== 'EXTH') return records;
  const end = offset + record0.readUInt32BE(offset + 4);
  const count = record0.readUInt32BE(offset + 8);
  if (end > record0.length || count * 8 > end - offset - 12) return records;
  let position = offset + 12;
  for (let i = 0; i < count && position + 8 <= end; i++) {
    const type = record0.readUInt32BE(position);
    const length = record0.readUInt32BE(position + 4);
    if (length < 8 || length > end - position) break;
    const value = record0.toString(encoding, position + 8, position + length);
    const values = records.get(type);
    if (values) values.push(value);
    else records.set(type, [value]);
    position += length;
  }
  return records;
}
