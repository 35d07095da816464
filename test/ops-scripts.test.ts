import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import knex, { Knex } from 'knex';
import yaml from 'js-yaml';
import { loadConfig } from '../lib/config';
import { createDatabase, migrateLatest } from '../db/knex';
import { MYSQL_ROOT_URL } from './support/test-env';

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const SCRIPTS = path.join(ROOT, 'ops/scripts');

/** Runs an ops script as an operator would (umask 022, no standard input); never throws. */
async function script(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return run('bash', ['-c', 'umask 022; exec bash "$0" "$@"', path.join(SCRIPTS, name), ...args], { env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

/** The environment without the service's settings, as in a shell that loaded no .env file. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'DATA_DIR', 'UPLOAD_FOLDER', 'RELEASES_FOLDER', 'BACKUP_DIR']) delete env[key];
  return env;
}

interface World {
  work: string;
  name: string;
  url: URL;
  admin: Knex;
  env: NodeJS.ProcessEnv;
  out: string;
  sql(text: string): Promise<unknown[]>;
}

/**
 * A MariaDB database of its own with table t (one row, 42), a work folder with an upload and a
 * release, and the environment backup.sh and restore.sh read; all removed afterwards.
 */
async function withWorld(body: (w: World) => Promise<void>): Promise<void> {
  const work = fs.mkdtempSync('/tmp/esp-backup-');
  const name = `esp_backup_${randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'mysql2', connection: MYSQL_ROOT_URL });
  const url = new URL(MYSQL_ROOT_URL);
  url.pathname = `/${name}`;
  const out = path.join(work, 'out');
  const sql = async (text: string) => ((await admin.raw(text)) as [unknown[]])[0];
  try {
    await admin.raw(`CREATE DATABASE \`${name}\``);
    await admin.raw(`CREATE TABLE \`${name}\`.t (id INT)`);
    await admin.raw(`INSERT INTO \`${name}\`.t VALUES (42)`);
    fs.mkdirSync(path.join(work, 'releases/Some.Release'), { recursive: true });
    fs.writeFileSync(path.join(work, 'releases/Some.Release/a.zip'), 'zip bytes');
    fs.mkdirSync(path.join(work, 'uploads/u-1'), { recursive: true });
    fs.writeFileSync(path.join(work, 'uploads/u-1/book.epub'), 'epub bytes');
    const env = { ...bareEnv(), DATABASE_URL: url.toString(), UPLOAD_FOLDER: path.join(work, 'uploads'), RELEASES_FOLDER: path.join(work, 'releases'), BACKUP_DIR: out };
    await body({ work, name, url, admin, env, out, sql });
  } finally {
    await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Runs backup.sh, expects it to succeed, and returns the files it wrote (full paths, dump first). */
async function backup(w: World, env = w.env): Promise<string[]> {
  const before = new Set(fs.existsSync(w.out) ? fs.readdirSync(w.out) : []);
  const result = await script('backup.sh', [], env);
  expect(result).toMatchObject({ code: 0 });
  const files = fs.readdirSync(w.out).filter((f) => !before.has(f));
  return files.sort((a, b) => Number(!a.startsWith('db-')) - Number(!b.startsWith('db-'))).map((f) => path.join(w.out, f));
}

describe('operations files', () => {
  it('backup.sh and restore.sh round-trip a MySQL database, the uploads folder and the releases folder', () =>
    withWorld(async (w) => {
      const files = await backup(w);
      expect(files.map((f) => path.basename(f)).sort()).toEqual([
        expect.stringMatching(/^db-\d{8}T\d{6}Z\.sql\.gz$/),
        expect.stringMatching(/^releases-\d{8}T\d{6}Z\.tar\.gz$/),
        expect.stringMatching(/^uploads-\d{8}T\d{6}Z\.tar\.gz$/),
      ]);

      await w.sql(`DROP TABLE \`${w.name}\`.t`);
      fs.rmSync(path.join(w.work, 'releases'), { recursive: true });
      fs.rmSync(path.join(w.work, 'uploads'), { recursive: true });
      expect(await script('restore.sh', files, w.env)).toMatchObject({ code: 0 });
      expect(await w.sql(`SELECT id FROM \`${w.name}\`.t`)).toEqual([{ id: 42 }]);
      expect(fs.readFileSync(path.join(w.work, 'releases/Some.Release/a.zip'), 'utf8')).toBe('zip bytes');
      // The stored uploads too: without them a retry or a REPACK of a release fails with ENOENT.
      expect(fs.readFileSync(path.join(w.work, 'uploads/u-1/book.epub'), 'utf8')).toBe('epub bytes');
    }));

  it('writes backups readable by their owner only, in a folder git ignores', () =>
    withWorld(async (w) => {
      // The dump holds password and refresh-token hashes and sealed secrets.
      const files = await backup(w);
      expect(fs.statSync(w.out).mode & 0o777).toBe(0o700);
      for (const file of files) expect([path.basename(file), fs.statSync(file).mode & 0o777]).toEqual([path.basename(file), 0o600]);
      expect(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('backups/');
    }));

  it('restores the folders into UPLOAD_FOLDER and RELEASES_FOLDER whatever their names', () =>
    withWorld(async (w) => {
      const files = await backup(w);
      const env = { ...w.env, UPLOAD_FOLDER: path.join(w.work, 'srv/stored'), RELEASES_FOLDER: path.join(w.work, 'srv/books') };
      expect(await script('restore.sh', files, env)).toMatchObject({ code: 0 });
      expect(fs.readFileSync(path.join(w.work, 'srv/books/Some.Release/a.zip'), 'utf8')).toBe('zip bytes');
      expect(fs.readFileSync(path.join(w.work, 'srv/stored/u-1/book.epub'), 'utf8')).toBe('epub bytes');
      expect(fs.readdirSync(path.join(w.work, 'srv')).sort()).toEqual(['books', 'stored']);
    }));

  it('restores an older dump exactly, so the next migrate:latest applies the later migrations again', () =>
    withWorld(async (w) => {
      const db = createDatabase({ client: 'mysql2', url: w.url.toString() });
      try {
        // A dump taken before 010 (notification_webhooks) and the migrations after it.
        while (!(await db.migrate.list())[0].some((m: { name: string }) => m.name.startsWith('009_'))) await db.migrate.up();
        const files = await backup(w);
        expect(await migrateLatest(db)).toContain('010_notification_webhooks');
        expect(await script('restore.sh', files.slice(0, 1), w.env)).toMatchObject({ code: 0 });
        // Tables the dump does not have are gone (t is in the dump and comes back).
        expect(await w.sql(`SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = '${w.name}' AND table_name = 'notification_webhooks'`)).toEqual([{ n: 0 }]);
        expect(await migrateLatest(db)).toContain('010_notification_webhooks');
        expect(await w.sql(`SELECT id FROM \`${w.name}\`.t`)).toEqual([{ id: 42 }]);
      } finally {
        await db.destroy();
      }
    }));

  it('refuses a cut-short dump or tarball before touching the database', () =>
    withWorld(async (w) => {
      const [dump, uploads] = await backup(w);
      await w.sql(`UPDATE \`${w.name}\`.t SET id = 43`);
      // Whole gzip, but the dump stops before mysqldump's '-- Dump completed' trailer.
      const lines = (await run('bash', ['-c', 'gunzip -c "$0"', dump])).stdout.trimEnd().split('\n');
      const noTrailer = path.join(w.work, 'no-trailer.sql.gz');
      fs.writeFileSync(noTrailer, zlib.gzipSync(lines.slice(0, -3).join('\n') + '\n'));
      // A gzip file cut in the middle.
      const cut = path.join(w.work, 'cut.sql.gz');
      fs.writeFileSync(cut, fs.readFileSync(dump).subarray(0, 300));
      // A good dump with a damaged tarball.
      const badTar = path.join(w.work, 'uploads-20260101T000000Z.tar.gz');
      fs.writeFileSync(badTar, fs.readFileSync(uploads).subarray(0, 40));
      for (const args of [[noTrailer], [cut], [dump, badTar]]) {
        const result = await script('restore.sh', args, w.env);
        expect([args, result.code, result.stderr]).toEqual([args, 1, expect.stringMatching(/nothing restored/)]);
        expect(await w.sql(`SELECT id FROM \`${w.name}\`.t`)).toEqual([{ id: 43 }]);
      }
    }));

  it('reaches MySQL with a password holding #, quotes, a backslash and a space', () =>
    withWorld(async (w) => {
      const user = `esp_bk_${randomBytes(3).toString('hex')}`;
      const password = `pa#ss"wo\\rd 'x`;
      await w.admin.raw(`CREATE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
      try {
        await w.admin.raw(`GRANT ALL ON \`${w.name}\`.* TO ?@'%'`, [user]);
        const url = new URL(w.url);
        url.username = user;
        url.password = encodeURIComponent(password);
        const env = { ...w.env, DATABASE_URL: url.toString() };
        const files = await backup(w, env);
        await w.sql(`DROP TABLE \`${w.name}\`.t`);
        expect(await script('restore.sh', files, env)).toMatchObject({ code: 0 });
        expect(await w.sql(`SELECT id FROM \`${w.name}\`.t`)).toEqual([{ id: 42 }]);
      } finally {
        await w.admin.raw(`DROP USER IF EXISTS ?@'%'`, [user]);
      }
    }));

  it('backup.sh says only what it wrote, never overwrites a backup of the same second, and leaves nothing behind when it fails', () =>
    withWorld(async (w) => {
      // No releases folder: no releases tarball, and none announced.
      const noReleases = await script('backup.sh', [], { ...w.env, RELEASES_FOLDER: path.join(w.work, 'none') });
      expect(noReleases.code).toBe(0);
      expect(noReleases.stdout).not.toMatch(/releases-/);
      expect(fs.readdirSync(w.out).filter((f) => f.startsWith('releases-'))).toEqual([]);

      // Two backups with the same stamp (a clock that stands still): the second is refused.
      const bin = path.join(w.work, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'date'), '#!/bin/sh\necho 20260101T000000Z\n', { mode: 0o755 });
      const frozen = { ...w.env, PATH: `${bin}:${process.env.PATH}` };
      expect(await script('backup.sh', [], frozen)).toMatchObject({ code: 0 });
      const first = fs.readFileSync(path.join(w.out, 'db-20260101T000000Z.sql.gz'));
      await w.sql(`UPDATE \`${w.name}\`.t SET id = 43`);
      expect(await script('backup.sh', [], frozen)).toMatchObject({ code: 1, stderr: expect.stringMatching(/already exists/) });
      expect(fs.readFileSync(path.join(w.out, 'db-20260101T000000Z.sql.gz'))).toEqual(first);

      // A failed dump (no such database) leaves no file, partial or whole.
      const url = new URL(w.url);
      url.pathname = `/${w.name}_missing`;
      const out = path.join(w.work, 'failed');
      expect(await script('backup.sh', [], { ...w.env, DATABASE_URL: url.toString(), BACKUP_DIR: out })).not.toMatchObject({ code: 0 });
      expect(fs.readdirSync(out)).toEqual([]);
    }));

  it('backup.sh, restore.sh and rollback-migration.sh refuse to run without the service environment', async () => {
    const work = fs.mkdtempSync('/tmp/esp-noenv-');
    try {
      // Run from a folder with nothing in it, as an operator who forgot to load .env.production.
      const env = { ...bareEnv(), DATA_DIR: path.join(work, 'data') };
      for (const [name, args] of [['backup.sh', []], ['restore.sh', [path.join(work, 'db-x.sql.gz')]], ['rollback-migration.sh', []]] as const) {
        const result = await run('bash', [path.join(SCRIPTS, name), ...args], { env, cwd: work }).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
        );
        expect([name, result.code, result.stderr]).toEqual([name, 1, expect.stringMatching(/DATABASE_URL is not set.*set -a; \. \.\/\.env\.production; set \+a/)]);
      }
      // No database created on the way, and no backups folder.
      expect(fs.readdirSync(work)).toEqual([]);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('rollback-migration.sh still undoes the latest migration of an existing SQLite database', async () => {
    const work = fs.mkdtempSync('/tmp/esp-rollback-');
    try {
      const env = { ...bareEnv(), DATA_DIR: path.join(work, 'data') };
      const db = createDatabase({ client: 'better-sqlite3', filename: path.join(work, 'data/ebook-scene-packer.sqlite') });
      await migrateLatest(db);
      await db.destroy();
      const { stdout } = await run('bash', [path.join(SCRIPTS, 'rollback-migration.sh')], { env });
      expect(stdout).toMatch(/^undone: \d{3}_\w+$/m);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it("DEPLOYMENT.md's backup steps load the service's environment, and a restore stops the services first", () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/DEPLOYMENT.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Backups and rollback'), doc.indexOf('\n## ', doc.indexOf('## Backups and rollback') + 1));
    const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1].split('\n').filter(Boolean));
    expect(blocks).toHaveLength(3);
    for (const lines of blocks) {
      const load = lines.findIndex((line) => line.startsWith('set -a; . ./.env.production; set +a'));
      const firstScript = lines.findIndex((line) => /^ops\/scripts\/|^node /.test(line));
      expect([lines, load >= 0 && load < firstScript]).toEqual([lines, true]);
    }
    const restore = blocks.find((lines) => lines.some((line) => line.startsWith('ops/scripts/restore.sh')))!;
    expect(restore[0]).toMatch(/^npx pm2 stop all/);
    expect(restore.findIndex((line) => line.startsWith('node dist/db/cli.js migrate:latest'))).toBeGreaterThan(restore.findIndex((line) => line.startsWith('ops/scripts/restore.sh')));
    // The environment file holds the secrets: owner-only from the moment it is copied.
    expect(doc).toMatch(/^cp \.env\.example \.env\.production.*\nchmod 600 \.env\.production/m);
  });

  it('docker-compose.prod.yml runs every process with its settings and no secret in the file', () => {
    const text = fs.readFileSync(path.join(ROOT, 'docker-compose.prod.yml'), 'utf8');
    const compose = yaml.load(text) as { services: Record<string, { command?: string[]; environment?: Record<string, string>; stop_grace_period?: string }> };
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'migrate', 'mysql', 'nginx', 'redis', 'scheduler', 'worker-distribute', 'worker-ingest', 'worker-notify', 'worker-pack']);
    expect(compose.services.redis.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(compose.services['worker-pack'].environment).toMatchObject({ WORKER_QUEUES: 'pack', REDIS_URL: 'redis://redis:6379/0' });
    expect(compose.services['worker-ingest'].environment).toMatchObject({ WORKER_QUEUES: 'upload,enrich' });
    // Slow FTP/SFTP transfers and webhooks have pools of their own, apart from inspection.
    expect(compose.services['worker-distribute'].environment).toMatchObject({ WORKER_QUEUES: 'distribute' });
    expect(compose.services['worker-notify'].environment).toMatchObject({ WORKER_QUEUES: 'notify' });
    expect(compose.services['worker-pack'].stop_grace_period).toBe('40s');
    // nginx reaches the API over the compose network: its X-Forwarded-For is believed there, and
    // nginx replaces a client's own header rather than passing it on.
    expect(compose.services.api.environment).toMatchObject({ TRUST_PROXY: 'uniquelocal' });
    expect(loadConfig({ TRUST_PROXY: compose.services.api.environment!.TRUST_PROXY }).http.trustProxy).toEqual(['uniquelocal']);
    const nginx = fs.readFileSync(path.join(ROOT, 'ops/nginx/ebook-scene-packer.conf'), 'utf8');
    expect(nginx.match(/^\s*proxy_set_header X-Forwarded-For .*$/gm)).toEqual(['    proxy_set_header X-Forwarded-For $remote_addr;']);
    // Password keys only ever take ${VARIABLE} values from the environment.
    expect(text).not.toMatch(/^\s*[A-Z_]*PASSWORD:\s*[^$\s]/m);
  });

  it("has an npm script for every `npm run` command of README.md's Other commands table", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = /## Other commands\n([\s\S]*?)\n\n[^|]/.exec(readme)?.[1];
    expect(table).toBeDefined();
    const listed = [...table!.matchAll(/`npm run ([\w:-]+)/g)].map((m) => m[1]);
    expect(listed).toEqual(expect.arrayContaining(['migrate', 'migrate:status', 'migrate:down']));
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(listed.filter((name) => !scripts[name])).toEqual([]);
    // The CLI commands those scripts run are ones db/cli.ts knows.
    const cli = fs.readFileSync(path.join(ROOT, 'db/cli.ts'), 'utf8');
    for (const name of listed) {
      const command = /^node dist\/db\/cli\.js ([\w:-]+)$/.exec(scripts[name])?.[1];
      if (command) expect(cli).toContain(`case '${command}':`);
    }
  });

  it('has PM2 keep no copy of stdout (the processes write LOG_FILE themselves) but keep stderr for crashes', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { apps } = require(path.join(ROOT, 'ecosystem.config.js')) as { apps: { name: string; script: string; out_file?: string; error_file?: string }[] };
    expect(apps.length).toBeGreaterThan(0);
    for (const app of apps) {
      // Every app is one of ours, logging through lib/logger.ts to LOG_FILE, rotated by the scheduler.
      expect(app.script).toMatch(/^dist\/(api|worker|scheduler)\/main\.js$/);
      expect({ name: app.name, out: app.out_file }).toEqual({ name: app.name, out: '/dev/null' });
      expect(app.error_file).toMatch(/\/[a-z-]+\.err\.log$/);
    }
  });

  it('starts the API with the same node arguments under PM2, Compose and the image', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { apps } = require(path.join(ROOT, 'ecosystem.config.js')) as { apps: { name: string; script: string; node_args?: string[] }[] };
    const pm2 = apps.find((app) => app.name === 'esp-api')!;
    expect(pm2.node_args).toContain('--max-semi-space-size=4');
    const command = [process.execPath.replace(/.*\//, ''), ...pm2.node_args!, pm2.script];
    const compose = yaml.load(fs.readFileSync(path.join(ROOT, 'docker-compose.prod.yml'), 'utf8')) as { services: Record<string, { command?: string[] }> };
    expect(compose.services.api.command).toEqual(command);
    const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
    expect(JSON.parse(cmd![1])).toEqual(command);
  });
});
