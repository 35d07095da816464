import os from 'node:os';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';
import { ValidationError } from './errors';

export const MIN_PASSWORD_LENGTH = 10;
/** bcrypt reads at most 72 bytes; anything longer would be silently truncated, so it is refused. */
export const MAX_PASSWORD_BYTES = 72;

export const passwordFitsBcrypt = (password: string): boolean => Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;

/**
 * Native bcrypt hashes in libuv's thread pool, not on the event loop. At most one hash per core
 * but one runs at a time: a burst of logins would otherwise fill every core (and the four pool
 * threads that file reads and writes also wait for), and the event loop would answer every other
 * request late. Logins queue instead (about 4 a second per free core at 12 rounds).
 */
export const passwordHashing = pLimit(Math.max(1, os.availableParallelism() - 1));

/** Hashes are $2b$; existing $2a$/$2b$ ones verify. */
export function hashPassword(password: string, rounds: number): Promise<string> {
  if (!passwordFitsBcrypt(password)) {
    const message = `must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`;
    return Promise.reject(new ValidationError(`password ${message}`, { fields: [{ field: 'password', message }] }));
  }
  return passwordHashing(() => bcrypt.hash(password, rounds));
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return passwordHashing(() => bcrypt.compare(password, hash));
}
