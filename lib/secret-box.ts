import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';

export class SecretBoxError extends Error {}

/**
 * Encrypts credentials kept in the database (destination passwords and keys, provider API keys)
 * with AES-256-GCM. The key comes from CREDENTIALS_KEY, or is derived from SECRET_KEY when that
 * is not set. Stored form: v1:<iv>:<tag>:<ciphertext>, base64.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secrets: { secretKey: string; credentialsKey?: string }) {
    this.key = secrets.credentialsKey
      ? Buffer.from(secrets.credentialsKey, 'hex')
      : Buffer.from(hkdfSync('sha256', secrets.secretKey, 'ebook-scene-packer', 'stored-credentials', 32));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new SecretBoxError('not a sealed secret');
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // Never echo the ciphertext or the key: the stored secret was made with another key.
      throw new SecretBoxError('a stored secret cannot be decrypted with the current CREDENTIALS_KEY');
    }
  }
}
