import IORedis, { Redis, RedisOptions } from 'ioredis';
import type { Config } from './config';
import { withTimeout } from './timeout';

/**
 * Redis connections, shaped as BullMQ wants them:
 * - producers (the API) fail fast while Redis is down, so an enqueue answers 503 instead of hanging;
 * - workers wait for Redis with no per-command retry limit and resume when it is back.
 */
export type RedisRole = 'producer' | 'worker';

export function createRedis(config: Pick<Config, 'redis'>, role: RedisRole, extra: RedisOptions = {}): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, ...extra }
      : { maxRetriesPerRequest: null, enableReadyCheck: true, ...extra };
  return new IORedis(config.redis.url, {
    retryStrategy: (times) => Math.min(times * 200, 5000),
    ...options,
  });
}

export type { Redis };

/**
 * Resolves once the connection is ready, or rejects after `ms` (withTimeout's time: time this
 * process was busy does not count). Producer connections have no offline queue, so commands sent
 * before the first connect would fail instead of waiting.
 */
export async function whenReady(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
    redis.once('ready', onReady);
  });
  try {
    await withTimeout(ready, ms, 'redis ready');
  } catch {
    throw new Error(`redis not ready after ${ms} ms`);
  } finally {
    redis.off('ready', onReady);
  }
}
