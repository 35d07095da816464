import { hkdfSync } from 'node:crypto';
import { SecretBox, SecretBoxError } from '../../lib/secret-box';

/** Stored credentials: sealed with AES-256-GCM, opened only with the same key, never echoed. */
const KEY = 'a'.repeat(64);
const box = new SecretBox({ secretKey: 'secret-key-of-the-installation', credentialsKey: KEY });

describe('SecretBox', () => {
  it('seals to v1:<iv>:<tag>:<ciphertext> (base64) and opens back to the plain text', () => {
    const sealed = box.seal('pässwörd');
    const [version, iv, tag, body] = sealed.split(':');
    expect(version).toBe('v1');
    expect(Buffer.from(iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(tag, 'base64')).toHaveLength(16);
    expect(Buffer.from(body, 'base64')).toHaveLength(Buffer.byteLength('pässwörd'));
    expect(sealed).not.toContain('pässwörd');
    expect(box.open(sealed)).toBe('pässwörd');
    expect(box.open(box.seal(''))).toBe('');
  });

  it('uses a fresh IV each time', () => {
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('uses CREDENTIALS_KEY when set, else a key derived from SECRET_KEY', () => {
    const derived = new SecretBox({ secretKey: 'secret-key-of-the-installation' });
    const explicitDerived = new SecretBox({
      secretKey: 'other',
      credentialsKey: Buffer.from(hkdfSync('sha256', 'secret-key-of-the-installation', 'ebook-scene-packer', 'stored-credentials', 32)).toString('hex'),
    });
    expect(explicitDerived.open(derived.seal('x'))).toBe('x');
    expect(() => box.open(derived.seal('x'))).toThrow(SecretBoxError);
    expect(() => new SecretBox({ secretKey: 'another-installation' }).open(derived.seal('x'))).toThrow(SecretBoxError);
  });

  it('refuses a tampered ciphertext or tag, naming neither the key nor the ciphertext', () => {
    const sealed = box.seal('hunter2');
    const [version, iv, tag, body] = sealed.split(':');
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] ^= 1;
      return bytes.toString('base64');
    };
    for (const tampered of [[version, iv, tag, flip(body)], [version, iv, flip(tag), body], [version, flip(iv), tag, body]]) {
      let error: unknown;
      try {
        box.open(tampered.join(':'));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(SecretBoxError);
      expect((error as Error).message).toBe('a stored secret cannot be decrypted with the current CREDENTIALS_KEY');
    }
  });

  it.each([['plain text'], ['v2:a:b:c'], ['v1:a:b'], ['v1::b:c'], ['v1:a::c'], ['']])('refuses %j as not a sealed secret', (value) => {
    expect(() => box.open(value)).toThrow(new SecretBoxError('not a sealed secret'));
  });

  it('opens an empty body (a sealed empty string)', () => {
    const [version, iv, tag] = box.seal('').split(':');
    expect(box.open([version, iv, tag, ''].join(':'))).toBe('');
  });
});
