import { randomUUID } from 'node:crypto';
import type { Redis } from '../lib/redis';

const RELEASE_IF_OWNER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Runs `task` only if no other run (in this or another scheduler process) holds the lock; the
 * lock expires by itself after `ttlMs` should its holder die. Returns undefined when skipped.
 */
export async function withLock<T>(redis: Redis, key: string, ttlMs: number, task: () => Promise<T>): Promise<T | undefined> {
  const token = randomUUID();
  if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
  try {
    return await task();
  } finally {
    await redis.eval(RELEASE_IF_OWNER, 1, key, token);
  }
}
