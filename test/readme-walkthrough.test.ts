import { ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { createTestEnv, TestEnv } from './support/test-env';
import { freePort } from './support/ports';
import { exited } from './support/worker-process';

/**
 * The README's "Using the API" block, exactly as written, against a fresh install: the built
 * code, a fresh data folder and database, migrated and seeded as `npm start` does (no
 * ADMIN_PASSWORD: the block reads the generated data/admin-password.txt), a real API process on
 * its default host and a real worker process. Then bash runs the block from the install folder.
 */
const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const WALKTHROUGH = /<!-- walkthrough:[^>]*-->\s*```bash\n([\s\S]*?)```/;
/** The start banner as the README shows it, after "When every process answers". */
const README_BANNER = /When every process answers[^`]*```text\n([\s\S]*?)```/;

let testEnv: TestEnv;
let install: string;
let env: NodeJS.ProcessEnv;
let port: number;
const processes: (ChildProcess & { output: string })[] = [];

function startProcess(script: string) {
  const child = spawn(process.execPath, [path.join(ROOT, script)], { env, cwd: install, stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & { output: string };
  child.output = '';
  child.stdout!.on('data', (d) => (child.output += String(d)));
  child.stderr!.on('data', (d) => (child.output += String(d)));
  processes.push(child);
  return child;
}

const cli = (...args: string[]) => run(process.execPath, [path.join(ROOT, 'dist/db/cli.js'), ...args], { env, cwd: install });
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

beforeAll(async () => {
  testEnv = await createTestEnv();
  install = testEnv.dataDir;
  port = await freePort();
  // What a new user has: development mode, default host, data under ./data; only the database
  // (a fresh MariaDB schema with TEST_DB=mysql), the Redis prefix and the catalogues differ.
  env = { ...testEnv.env, NODE_ENV: 'development', PORT: String(port), DATA_DIR: path.join(install, 'data'), LOG_LEVEL: 'info' };
  if (!env.DATABASE_URL!.startsWith('mysql')) delete env.DATABASE_URL;
  delete env.ADMIN_PASSWORD;
  await cli('migrate:latest');
  await cli('seed');
}, 120_000);

afterAll(async () => {
  for (const child of processes) child.kill('SIGTERM');
  await Promise.all(processes.map(exited));
  await testEnv.cleanup();
}, 60_000);

it('runs the README walkthrough as written: the release ends done and its files are on disk', async () => {
  const api = startProcess('dist/api/main.js');
  const worker = startProcess('dist/worker/main.js');
  // The banner waits for /health to be ok (API up, a worker on every queue), as `npm start` does.
  const banner = plain((await cli('banner')).stdout);
  // Every line the README shows of it (on this install's port), the web app's among them.
  const shown = README_BANNER.exec(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'))?.[1].split('\n').filter((line) => line && line.trim() !== '...');
  expect(shown).toEqual(expect.arrayContaining([expect.stringMatching(/^ {2}Web app {3}http/)]));
  for (const line of shown!) expect(banner).toContain(line.replaceAll(':5000', `:${port}`));
  expect(banner).toMatch(/Releases {2}data\/releases/);
  // One line per process: mode, what it exposes, where the keys come from.
  expect(plain(api.output)).toContain(`development mode, API on http://127.0.0.1:${port} (loopback only), secrets from data/secrets.json`);
  expect(plain(worker.output)).toMatch(/development mode, worker for upload,enrich,pack,distribute,notify, no listening port, Redis at 127\.0\.0\.1:6379, secrets from data\/secrets\.json/);

  const block = WALKTHROUGH.exec(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'))?.[1];
  expect(block).toBeDefined();
  const book = path.join(install, 'my book.epub');
  await writeEpub(book, { title: 'The Left Hand of Darkness', creators: [{ name: 'Ursula K. Le Guin' }], date: '1969-03-01', publisher: 'Ace Books' });
  const script = path.join(install, 'walkthrough.sh');
  fs.writeFileSync(script, block!);
  const { stdout } = await run('bash', [script], {
    cwd: install,
    env: { PATH: process.env.PATH, HOME: install, API: `http://127.0.0.1:${port}`, BOOK: book, PROOF: 'https://www.example.com/books/left-hand-of-darkness' },
    timeout: 150_000,
  });

  const states = [...stdout.matchAll(/^state: (.*)$/gm)].map((m) => m[1]);
  expect(states.at(-1)).toBe('done');
  const name = /^name: (.+)$/m.exec(stdout)?.[1];
  expect(name).toBe('Ursula.K.Le.Guin.The.Left.Hand.of.Darkness.1969.RETAiL.ePub.eBook-ESP');

  // The files the block listed are the ones on disk, and each ZIP volume is sound.
  const releaseDir = path.join(install, 'data/releases', name!);
  const onDisk = fs.readdirSync(releaseDir).sort();
  const listed = [...stdout.matchAll(/^ {2}(\S+) {2}(\d+) bytes$/gm)].map((m) => ({ file: m[1], size: Number(m[2]) }));
  expect(listed.filter((f) => !f.file.endsWith('.sfv')).map((f) => f.file).sort()).toEqual(onDisk);
  for (const { file, size } of listed.filter((f) => onDisk.includes(f.file))) expect(fs.statSync(path.join(releaseDir, file)).size).toBe(size);
  expect(onDisk.some((f) => f.endsWith('.nfo'))).toBe(true);
  const zips = onDisk.filter((f) => f.endsWith('.zip'));
  expect(zips.length).toBeGreaterThan(0);
  for (const zip of zips) await run('unzip', ['-tq', path.join(releaseDir, zip)]);
  // `ls -l` at the end of the block printed the same folder and the SFV beside it, which checks it.
  for (const file of onDisk) expect(stdout).toContain(file);
  expect(stdout).toContain(`data/releases/.checksums/${name}.sfv`);
  await run('cksfv', ['-q', '-C', releaseDir, '-f', path.join(install, 'data/releases/.checksums', `${name}.sfv`)]);
}, 240_000);
