import zlib from 'node:zlib';

/**
 * The bytes of a standalone stored (method 0) ZIP around one streamed payload, byte for byte what
 * yazl wrote for the packer before (UTF-8 names, DOS timestamps only, data descriptor after the
 * streamed entry), so published releases keep their checksums. Everything before the payload is
 * known up front; everything after it depends only on the payload's CRC-32.
 */
export interface StoredZipLayout {
  /** Local headers and data of the small entries, then the payload's local header. */
  head: Buffer;
  /** Data descriptor of the payload, central directory and end record. */
  trailer(payloadCrc32: number): Buffer;
  /** Total bytes of the zip. */
  size: number;
}

const VERSION_NEEDED = 20;
const VERSION_MADE_BY = (3 << 8) | 63; // Unix, spec 6.3
const NAME_IS_UTF8 = 1 << 11;
const SIZES_IN_DESCRIPTOR = 1 << 3;
const FILE_MODE = 0o100644;
const MAX_PLAIN_SIZE = 0xfffffffe; // above this yazl switched to ZIP64, which volumes never need

interface Entry {
  name: Buffer;
  flags: number;
  crc32: number;
  size: number;
  offset: number;
}

export function planStoredZip(files: { name: string; data: Buffer }[], payload: { name: string; size: number } | undefined, mtime: Date): StoredZipLayout {
  const { time, date } = dosDateTime(mtime);
  const entries: Entry[] = [];
  const headParts: Buffer[] = [];
  let offset = 0;
  const addLocal = (entry: Entry, data?: Buffer) => {
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(VERSION_NEEDED, 4);
    header.writeUInt16LE(entry.flags, 6);
    header.writeUInt16LE(0, 8);
    header.writeUInt16LE(time, 10);
    header.writeUInt16LE(date, 12);
    if (!(entry.flags & SIZES_IN_DESCRIPTOR)) {
      header.writeUInt32LE(entry.crc32, 14);
      header.writeUInt32LE(entry.size, 18);
      header.writeUInt32LE(entry.size, 22);
    }
    header.writeUInt16LE(entry.name.length, 26);
    headParts.push(header, entry.name, ...(data ? [data] : []));
    entries.push(entry);
    offset += header.length + entry.name.length + (data?.length ?? 0);
  };
  for (const file of files) {
    addLocal({ name: Buffer.from(file.name), flags: NAME_IS_UTF8, crc32: zlib.crc32(file.data), size: file.data.length, offset }, file.data);
  }
  let payloadEntry: Entry | undefined;
  if (payload) {
    if (payload.size > MAX_PLAIN_SIZE || offset > MAX_PLAIN_SIZE) throw new RangeError(`a ${payload.size}-byte volume payload needs ZIP64`);
    payloadEntry = { name: Buffer.from(payload.name), flags: NAME_IS_UTF8 | SIZES_IN_DESCRIPTOR, crc32: 0, size: payload.size, offset };
    addLocal(payloadEntry);
  }
  const head = Buffer.concat(headParts);
  const descriptorBytes = payload ? 16 : 0;
  const centralBytes = entries.reduce((sum, e) => sum + 46 + e.name.length, 0);

  const trailer = (payloadCrc32: number): Buffer => {
    if (payloadEntry) payloadEntry.crc32 = payloadCrc32 >>> 0;
    const out = Buffer.alloc(descriptorBytes + centralBytes + 22);
    let at = 0;
    if (payloadEntry) {
      out.writeUInt32LE(0x08074b50, 0);
      out.writeUInt32LE(payloadEntry.crc32, 4);
      out.writeUInt32LE(payloadEntry.size, 8);
      out.writeUInt32LE(payloadEntry.size, 12);
      at = 16;
    }
    const centralStart = head.length + (payload?.size ?? 0) + descriptorBytes;
    for (const e of entries) {
      out.writeUInt32LE(0x02014b50, at);
      out.writeUInt16LE(VERSION_MADE_BY, at + 4);
      out.writeUInt16LE(VERSION_NEEDED, at + 6);
      out.writeUInt16LE(e.flags, at + 8);
      out.writeUInt16LE(0, at + 10);
      out.writeUInt16LE(time, at + 12);
      out.writeUInt16LE(date, at + 14);
      out.writeUInt32LE(e.crc32, at + 16);
      out.writeUInt32LE(e.size, at + 20);
      out.writeUInt32LE(e.size, at + 24);
      out.writeUInt16LE(e.name.length, at + 28);
      out.writeUInt32LE((FILE_MODE << 16) >>> 0, at + 38);
      out.writeUInt32LE(e.offset, at + 42);
      e.name.copy(out, at + 46);
      at += 46 + e.name.length;
    }
    out.writeUInt32LE(0x06054b50, at);
    out.writeUInt16LE(entries.length, at + 8);
    out.writeUInt16LE(entries.length, at + 10);
    out.writeUInt32LE(centralBytes, at + 12);
    out.writeUInt32LE(centralStart, at + 16);
    return out;
  };
  return { head, trailer, size: head.length + (payload?.size ?? 0) + descriptorBytes + centralBytes + 22 };
}

/** DOS date and time fields of a local time, clamped to the range they can hold. */
function dosDateTime(when: Date): { time: number; date: number } {
  const min = new Date(1980, 0, 1);
  const max = new Date(2107, 11, 31, 23, 59, 58);
  const t = when < min ? min : when > max ? max : when;
  return {
    date: (t.getDate() & 0x1f) | (((t.getMonth() + 1) & 0xf) << 5) | (((t.getFullYear() - 1980) & 0x7f) << 9),
    time: Math.floor(t.getSeconds() / 2) | ((t.getMinutes() & 0x3f) << 5) | ((t.getHours() & 0x1f) << 11),
  };
}
