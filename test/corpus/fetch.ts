import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import manifest from './books.json';

export type CorpusBook = (typeof manifest.books)[number] & { file: string };

/** Outside the work tree, kept between runs; CORPUS_CACHE moves it. */
export const CORPUS_CACHE = process.env.CORPUS_CACHE ?? path.join(os.homedir(), '.cache', 'esp-corpus');

/**
 * Every book of test/corpus/books.json as a local file: the Debian package at the exact version
 * recorded is fetched with `apt-get download` (once; the cache keeps it), unpacked with dpkg-deb,
 * and the book checked against its recorded SHA-256. Anything else fails loudly: a version the
 * mirror no longer has, a missing path, other bytes.
 */
export function fetchCorpus(): CorpusBook[] {
  const debs = path.join(CORPUS_CACHE, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  return manifest.books.map((book) => {
    const file = path.join(CORPUS_CACHE, 'books', `${book.id}${path.extname(book.path)}`);
    if (!fs.existsSync(file) || sha256(file) !== book.sha256) extract(book, debOf(book.package, book.version, debs), file);
    const actual = sha256(file);
    if (actual !== book.sha256) throw new Error(`corpus book ${book.id}: ${book.path} of ${book.package}=${book.version} has SHA-256 ${actual}, expected ${book.sha256}`);
    return { ...book, file };
  });
}

/** The .deb of pkg=version in dir, downloaded with apt-get when it is not there yet. */
export function debOf(pkg: string, version: string, dir: string): string {
  const prefix = `${pkg}_${version.replace(/:/g, '%3a')}_`;
  const find = () => fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.deb'));
  if (!find()) {
    try {
      execFileSync('apt-get', ['download', `${pkg}=${version}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
      throw new Error(
        `corpus: apt-get download ${pkg}=${version} failed (${stderr || (err as Error).message}). ` +
          'The mirror may no longer carry this version: pick a current one (apt-cache policy), update version and sha256 in test/corpus/books.json and SOURCES.md, and re-read the book to check its expected name.',
      );
    }
  }
  const deb = find();
  if (!deb) throw new Error(`corpus: apt-get download ${pkg}=${version} left no ${prefix}*.deb in ${dir}`);
  return path.join(dir, deb);
}

function extract(book: (typeof manifest.books)[number], deb: string, file: string): void {
  const unpacked = path.join(CORPUS_CACHE, 'unpacked', path.basename(deb, '.deb'));
  if (!fs.existsSync(unpacked)) {
    const partial = `${unpacked}.partial-${process.pid}`;
    fs.mkdirSync(path.dirname(unpacked), { recursive: true });
    execFileSync('dpkg-deb', ['-x', deb, partial]);
    fs.renameSync(partial, unpacked);
  }
  const source = path.join(unpacked, book.path);
  if (!fs.existsSync(source)) throw new Error(`corpus book ${book.id}: ${book.package}=${book.version} has no ${book.path}`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(source, `${file}.tmp`);
  fs.renameSync(`${file}.tmp`, file);
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
