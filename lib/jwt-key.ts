import { createSecretKey, KeyObject } from 'node:crypto';

const keys = new Map<string, KeyObject>();

/**
 * The HMAC key for verifying access tokens, made once per secret. Given the secret as a string,
 * jsonwebtoken first tries (and fails) to parse it as a public key on every verification, the
 * costliest step of an authenticated request; a KeyObject skips that.
 */
export function jwtVerifyKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret));
    keys.set(secret, key);
  }
  return key;
}
