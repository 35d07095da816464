import bcrypt from 'bcrypt';
import { ValidationError } from './errors';

export const MIN_PASSWORD_LENGTH = 10;
/** bcrypt reads at most 72 bytes; anything longer would be silently truncated, so it is refused. */
export const MAX_PASSWORD_BYTES = 72;

export const passwordFitsBcrypt = (password: string): boolean => Buffer.byteLength(password, 'utf8') <= MAX_PASSWORD_BYTES;

/**
 * Native bcrypt: hashing and comparing run in libuv's thread pool, not on the event loop, so a
 * burst of logins does not stall other requests. Hashes are $2b$; existing $2a$/$2b$ ones verify.
 */
export function hashPassword(password: string, rounds: number): Promise<string> {
  if (!passwordFitsBcrypt(password)) {
    const message = `must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`;
    return Promise.reject(new ValidationError(`password ${message}`, { fields: [{ field: 'password', message }] }));
  }
  return bcrypt.hash(password, rounds);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
