import fs from 'node:fs';
import path from 'node:path';
import type { Config } from './config';
import { adminPasswordFile } from './admin-password-file';
import { httpUrl, shownPath as shown } from './startup-line';

/**
 * The few lines `npm start` prints once every process answers: where to go, how to log in, how
 * to stop, and where things are kept. Paths are shown relative to the working folder.
 */
export function firstRunBanner(config: Config, pm2LogDir: string, webApp: boolean): string {
  const base = httpUrl(['0.0.0.0', '::'].includes(config.http.host) ? '127.0.0.1' : config.http.host, config.http.port);
  const email = config.firstRun.adminEmail;
  const passwordFile = adminPasswordFile(config.storage.dataDir);
  const password = fs.existsSync(passwordFile)
    ? `password in ${shown(passwordFile)} (deleted once you change it)`
    : 'password: the one you set (ADMIN_PASSWORD or a later change)';
  const lines = [
    `eBook Scene Packer is ready (${config.env} mode, listening on ${config.http.host}:${config.http.port})`,
    `  Web app   ${webApp ? `${base}/   (open it in a browser and log in)` : 'not built: npm run build, then restart'}`,
    `  API       ${base}/api   (health: ${base}/health)`,
    `  Console   ${base}/admin`,
    `  Login     ${email}, ${password}`,
    `  Forgot?   npm run admin -- reset-password ${email}   (works offline, prints a new one)`,
    `  Try it    README.md, "Using the API": upload a book and pack a release for group ${config.firstRun.defaultGroup}`,
    `  Data      ${database(config)}, keys ${config.secrets.origin === 'environment' ? 'from the environment' : shown(config.secrets.origin)}`,
    `  Releases  ${shown(config.storage.releasesDir)}   uploads ${shown(config.storage.uploadDir)}`,
    `  Logs      ${shown(path.dirname(config.log.file))}   (crashes before logging: ${shown(pm2LogDir)}/*.err.log)`,
    '  Stop      Ctrl+C in this terminal (every process stops cleanly)',
  ];
  const rule = '-'.repeat(Math.max(...lines.map((l) => l.length)));
  return [rule, ...lines, rule].join('\n');
}

function database(config: Config): string {
  if (config.database.client === 'better-sqlite3') return `SQLite ${shown(config.database.filename)}`;
  const url = new URL(config.database.url);
  return `MySQL ${url.hostname}:${url.port || '3306'}${url.pathname}`;
}
