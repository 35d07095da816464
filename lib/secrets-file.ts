import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors';

/** The keys a development or test install generates for itself instead of shipping one in the code. */
export interface GeneratedSecrets {
  secretKey: string;
  jwtSecret: string;
  /** 64 hex characters, the AES-256 key of stored credentials. */
  credentialsKey: string;
}

export const SECRETS_FILE_NAME = 'secrets.json';
const HEX_64 = /^[0-9a-f]{64}$/;

/**
 * Reads DATA_DIR/secrets.json, creating it on first start with fresh random keys (mode 0600).
 * Creation is atomic and race-free: the file is written under a temporary name and hard-linked
 * into place, which fails if another process (PM2 starts several at once) got there first, in
 * which case that process's keys are read and used.
 */
export function loadOrCreateSecrets(dataDir: string): { secrets: GeneratedSecrets; file: string } {
  const file = path.join(dataDir, SECRETS_FILE_NAME);
  if (!fs.existsSync(file)) writeExclusive(file, `${JSON.stringify(freshSecrets(), null, 2)}\n`);
  return { secrets: readSecrets(file), file };
}

function freshSecrets(): GeneratedSecrets {
  return {
    secretKey: randomBytes(32).toString('hex'),
    jwtSecret: randomBytes(32).toString('hex'),
    credentialsKey: randomBytes(32).toString('hex'),
  };
}

/** Writes a private (0600) file that appears whole or not at all, and never replaces an existing one. */
export function writeExclusive(file: string, content: string): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function readSecrets(file: string): GeneratedSecrets {
  let parsed: Partial<GeneratedSecrets>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${file}: unreadable (${(err as Error).message}); delete it to generate new keys (signs everyone out)`]);
  }
  const bad = (['secretKey', 'jwtSecret', 'credentialsKey'] as const).filter((k) => typeof parsed[k] !== 'string' || !HEX_64.test(parsed[k]!));
  if (bad.length > 0) throw new ConfigError([`${file}: ${bad.join(', ')} missing or not 64 hex characters; delete the file to generate new keys`]);
  return parsed as GeneratedSecrets;
}
