import fs from 'node:fs';
import path from 'node:path';

/** Book formats the API packs, by extension, each with the bytes it must start with. */
const SIGNATURES: Record<string, { offset: number; bytes: Buffer }> = {
  '.epub': { offset: 0, bytes: Buffer.from('PK\x03\x04', 'latin1') },
  '.cbz': { offset: 0, bytes: Buffer.from('PK\x03\x04', 'latin1') },
  '.pdf': { offset: 0, bytes: Buffer.from('%PDF-', 'latin1') },
  '.mobi': { offset: 60, bytes: Buffer.from('BOOKMOBI', 'latin1') },
  '.azw3': { offset: 60, bytes: Buffer.from('BOOKMOBI', 'latin1') },
  '.azw': { offset: 60, bytes: Buffer.from('BOOKMOBI', 'latin1') },
};

/** Whether the file's first bytes match what its extension promises (a renamed text file does not). */
export function looksLikeBook(file: string): boolean {
  const signature = SIGNATURES[path.extname(file).toLowerCase()];
  if (!signature) return false;
  const head = Buffer.alloc(signature.offset + signature.bytes.length);
  const fd = fs.openSync(file, 'r');
  try {
    const read = fs.readSync(fd, head, 0, head.length, 0);
    return read === head.length && head.subarray(signature.offset).equals(signature.bytes);
  } finally {
    fs.closeSync(fd);
  }
}

/** Every book under `dir` (recursively, hidden entries skipped), sorted; and what was passed over. */
export function findBooks(dir: string): { books: string[]; skipped: string[] } {
  const books: string[] = [];
  const skipped: string[] = [];
  const walk = (folder: string) => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) (looksLikeBook(full) ? books : skipped).push(full);
    }
  };
  walk(dir);
  return { books: books.sort(), skipped: skipped.sort() };
}
