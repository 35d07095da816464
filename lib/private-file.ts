import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a private (0600) file that appears whole or not at all: the content goes to a temporary
 * name first. 'create' hard-links it into place and leaves an existing file alone (returns false),
 * so of several processes starting at once exactly one wins; 'replace' renames over it.
 */
export function writePrivateFile(file: string, content: string, how: 'create' | 'replace'): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeFileSync(fd, content); // all of it: a single write may take only part on a nearly full disk
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    if (how === 'replace') {
      fs.renameSync(temp, file);
      return true;
    }
    fs.linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
