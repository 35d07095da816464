import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const MB = 1_000_000;

/** A file of `bytes` random bytes (incompressible, like a packed book). */
export function makeRandomFile(dir: string, bytes: number): string {
  const file = path.join(dir, `book-${bytes}.bin`);
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  const fd = fs.openSync(file, 'w');
  try {
    for (let written = 0; written < bytes; written += chunk.length) {
      randomFillSync(chunk);
      fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

export function emptyDir(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes back dirty pages so one case's data does not slow the next one's writes. */
export function flushDisk(): void {
  spawnSync('sync');
}

/** Runs a shell command under /usr/bin/time: wall seconds and peak RSS in MB. */
export function timedShell(command: string, cwd: string): { seconds: number; rssMb: number } {
  const rssFile = path.join(cwd, '.rss');
  const started = performance.now();
  const result = spawnSync('bash', ['-c', `/usr/bin/time -o ${rssFile} -f %M ${command}`], { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command.split(' ')[0]} failed: ${result.stderr.slice(0, 300)}`);
  const rssMb = Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024;
  fs.rmSync(rssFile, { force: true });
  return { seconds, rssMb };
}

/** Installs a Debian package the bench needs when its command is missing (the bench runs as root). */
export function ensureTool(command: string, debianPackage: string): void {
  if (spawnSync('bash', ['-c', `command -v ${command}`]).status === 0) return;
  const install = spawnSync('bash', ['-c', `apt-get install -y ${debianPackage} >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y ${debianPackage} >/dev/null 2>&1)`]);
  if (install.status !== 0) throw new Error(`${command} is missing and apt-get install ${debianPackage} failed`);
}
