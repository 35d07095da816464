import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import knex from 'knex';
import yaml from 'js-yaml';
import { loadConfig } from '../lib/config';
import { createDatabase, migrateLatest } from '../db/knex';
import { MYSQL_ROOT_URL } from './support/test-env';

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const SCRIPTS = path.join(ROOT, 'ops/scripts');

/** The environment without the service's settings, as in a shell that loaded no .env file. */
function bareEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'DATA_DIR', 'UPLOAD_FOLDER', 'RELEASES_FOLDER', 'BACKUP_DIR']) delete env[key];
  return env;
}

describe('operations files', () => {
  it('backup.sh and restore.sh round-trip a MySQL database and the releases folder', async () => {
    const work = fs.mkdtempSync('/tmp/esp-backup-');
    const name = `esp_backup_${Date.now()}`;
    const admin = knex({ client: 'mysql2', connection: MYSQL_ROOT_URL });
    const url = new URL(MYSQL_ROOT_URL);
    url.pathname = `/${name}`;
    try {
      await admin.raw(`CREATE DATABASE \`${name}\``);
      await admin.raw(`CREATE TABLE \`${name}\`.t (id INT)`);
      await admin.raw(`INSERT INTO \`${name}\`.t VALUES (42)`);
      fs.mkdirSync(path.join(work, 'releases/Some.Release'), { recursive: true });
      fs.writeFileSync(path.join(work, 'releases/Some.Release/a.zip'), 'zip bytes');
      const env = { ...process.env, DATABASE_URL: url.toString(), RELEASES_FOLDER: path.join(work, 'releases'), BACKUP_DIR: path.join(work, 'out') };
      await run('bash', [path.join(ROOT, 'ops/scripts/backup.sh')], { env });
      const files = fs.readdirSync(path.join(work, 'out')).sort();
      expect(files).toEqual([expect.stringMatching(/^db-\d{8}T\d{6}Z\.sql\.gz$/), expect.stringMatching(/^releases-\d{8}T\d{6}Z\.tar\.gz$/)]);

      await admin.raw(`DROP TABLE \`${name}\`.t`);
      fs.rmSync(path.join(work, 'releases'), { recursive: true });
      await run('bash', [path.join(ROOT, 'ops/scripts/restore.sh'), ...files.map((f) => path.join(work, 'out', f))], { env });
      expect((await admin.raw(`SELECT id FROM \`${name}\`.t`))[0]).toEqual([{ id: 42 }]);
      expect(fs.readFileSync(path.join(work, 'releases/Some.Release/a.zip'), 'utf8')).toBe('zip bytes');
    } finally {
      await admin.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.destroy();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  it('rollback-migration.sh refuses to run without the service environment', async () => {
    const work = fs.mkdtempSync('/tmp/esp-noenv-');
    try {
      // Run from a folder with nothing in it, as an operator who forgot to load .env.production.
      const env = { ...bareEnv(), DATA_DIR: path.join(work, 'data') };
      for (const [name, args] of [['rollback-migration.sh', []]] as const) {
        const result = await run('bash', [path.join(SCRIPTS, name), ...args], { env, cwd: work }).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
        );
        expect([name, result.code, result.stderr]).toEqual([name, 1, expect.stringMatching(/DATABASE_URL is not set.*set -a; \. \.\/\.env\.production; set \+a/)]);
      }
      // No database created on the way.
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
