import { createHash, randomBytes } from 'node:crypto';
import { inlineSha256, threadedSha256 } from './sha256-sink';

const sha = (...chunks: Buffer[]) => createHash('sha256').update(Buffer.concat(chunks)).digest('hex');

describe.each([
  ['inline', inlineSha256],
  ['threaded', threadedSha256],
])('%s SHA-256 sink', (_label, open) => {
  it('digests what it was fed, in order, then starts over', async () => {
    const sink = open();
    try {
      const [a, b] = [randomBytes(70_000), randomBytes(3)];
      await sink.update(a);
      await sink.update(b);
      expect(await sink.digest()).toBe(sha(a, b));
      await sink.update(b);
      expect(await sink.digest()).toBe(sha(b));
    } finally {
      await sink.close();
    }
  });
});

describe('threaded SHA-256 sink', () => {
  it('refuses work once closed, with the reason, instead of waiting for a thread that is gone', async () => {
    const sink = threadedSha256();
    await sink.close();
    await expect(sink.update(Buffer.from('late'))).rejects.toThrow('the hashing thread was closed');
    await expect(sink.digest()).rejects.toThrow('the hashing thread was closed');
  });

  it('fails work still waiting when its thread stops', async () => {
    const sink = threadedSha256();
    const pending = sink.update(randomBytes(64 * 1024 * 1024));
    const closing = sink.close();
    await expect(pending).rejects.toThrow(/the hashing thread (exited|was closed)/);
    await closing;
  });
});
