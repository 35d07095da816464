import { TEST_REDIS_URL } from '../test/support/test-env';
import { createRedis, whenReady } from './redis';

/** Holds this process's event loop, as a long synchronous request would. */
const blockLoop = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const config = { redis: { url: TEST_REDIS_URL, prefix: 'esp-test-when-ready' } };

describe('whenReady', () => {
  it('waits for a connection that gets ready once the loop is free, however long the loop was blocked before', async () => {
    const redis = createRedis(config, 'producer');
    try {
      // Connecting needs the loop; holding it past the wait time must not count as Redis being slow.
      const ready = whenReady(redis, 200);
      blockLoop(600);
      await expect(ready).resolves.toBeUndefined();
      expect(redis.status).toBe('ready');
    } finally {
      redis.disconnect();
    }
  });

  it('gives up on a connection that never gets ready, naming the wait', async () => {
    const redis = createRedis({ redis: { url: 'redis://127.0.0.1:1/0', prefix: 'unused' } }, 'producer');
    try {
      await expect(whenReady(redis, 300)).rejects.toThrow('redis not ready after 300 ms');
      expect(redis.listenerCount('ready')).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
