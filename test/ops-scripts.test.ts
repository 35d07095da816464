import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import knex from 'knex';
import yaml from 'js-yaml';
import { loadConfig } from '../lib/config';
import { MYSQL_ROOT_URL } from './support/test-env';

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);

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
