import os from 'node:os';
import bcrypt from 'bcrypt';
import { hashPassword, MAX_PASSWORD_BYTES, passwordHashing, verifyPassword } from './password';

describe('password hashing', () => {
  it('hashes and verifies with real bcrypt, refusing what bcrypt would truncate', async () => {
    const hash = await hashPassword('correct horse battery', 4);
    expect(hash).toMatch(/^\$2b\$04\$/);
    await expect(verifyPassword('correct horse battery', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', hash)).resolves.toBe(false);
    await expect(verifyPassword('old scheme', await bcrypt.hash('old scheme', 4).then((h) => h.replace('$2b$', '$2a$')))).resolves.toBe(true);
    await expect(hashPassword('é'.repeat(MAX_PASSWORD_BYTES / 2 + 1), 4)).rejects.toThrow(`at most ${MAX_PASSWORD_BYTES} bytes`);
  });

  it('runs at most one hash per core but one at a time, queueing the rest', async () => {
    const allowed = Math.max(1, os.availableParallelism() - 1);
    // 10 rounds: each comparison takes tens of milliseconds, long after p-limit has started the first ones.
    const hash = await hashPassword('queued password', 10);
    const logins = Array.from({ length: allowed + 3 }, () => verifyPassword('queued password', hash));
    await new Promise(setImmediate);
    expect(passwordHashing.activeCount).toBe(allowed);
    expect(passwordHashing.pendingCount).toBe(3);
    await expect(Promise.all(logins)).resolves.toEqual(logins.map(() => true));
    expect(passwordHashing.activeCount + passwordHashing.pendingCount).toBe(0);
  });
});
