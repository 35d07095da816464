import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors';
import { writePrivateFile } from './private-file';

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
 * Creation is atomic and race-free: if another process (PM2 starts several at once) got there
 * first, its keys are read and used.
 */
export function loadOrCreateSecrets(dataDir: string): { secrets: GeneratedSecrets; file: string } {
  const file = path.join(dataDir, SECRETS_FILE_NAME);
  if (!fs.existsSync(file)) writePrivateFile(file, `${JSON.stringify(freshSecrets(), null, 2)}\n`, 'create');
  return { secrets: readSecrets(file), file };
}

function freshSecrets(): GeneratedSecrets {
  return {
    secretKey: randomBytes(32).toString('hex'),
    jwtSecret: randomBytes(32).toString('hex'),
    credentialsKey: randomBytes(32).toString('hex'),
  };
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
