import fs from 'node:fs';
import path from 'node:path';
import { writePrivateFile } from './private-file';

/**
 * DATA_DIR/admin-password.txt holds the first admin's generated password (mode 0600) until it is
 * changed, so a new user can read it instead of hunting for one line in the start-up output.
 */
export function adminPasswordFile(dataDir: string): string {
  return path.join(dataDir, 'admin-password.txt');
}

export function writeAdminPasswordFile(dataDir: string, password: string): string {
  const file = adminPasswordFile(dataDir);
  writePrivateFile(file, `${password}\n`, 'replace');
  return file;
}

export function readAdminPasswordFile(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(adminPasswordFile(dataDir), 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Call once the admin has chosen a password of their own: the generated one is then stale. */
export function forgetAdminPasswordFile(dataDir: string): void {
  fs.rmSync(adminPasswordFile(dataDir), { force: true });
}
