import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A tmpfs of `size` (mount's syntax: 64k, 1m, 20m) mounted on a fresh folder, for tests of a full disk (needs root). */
export interface SmallDisk {
  path: string;
  /** Bytes a write may still take. */
  freeBytes(): number;
  /** Unmounts lazily (a file a failed write left open must not keep it mounted) and removes the folder. */
  remove(): void;
}

export function mountSmallDisk(size: string, at = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-small-disk-'))): SmallDisk {
  fs.mkdirSync(at, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'pipe' });
  return {
    path: at,
    freeBytes() {
      const stats = fs.statfsSync(at);
      return stats.bavail * stats.bsize;
    },
    remove() {
      execFileSync('umount', ['--lazy', at]);
      fs.rmdirSync(at);
    },
  };
}
