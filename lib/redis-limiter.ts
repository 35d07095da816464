import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config';
import type { Redis } from './redis';

export interface LimiterSpec {
  /** Part of the Redis key: `<QUEUE_PREFIX>:rl:<name>:<key>`. */
  name: string;
  points: number;
  durationSeconds: number;
}

/**
 * A counter in Redis shared by every API process, under the app's key prefix (so each test file's
 * keys are its own). While Redis is unreachable an in-process counter with the same budget takes
 * over: limits keep holding per process instead of failing every request.
 */
export function redisLimiter(config: Pick<Config, 'redis'>, redis: Redis, spec: LimiterSpec): RateLimiterRedis {
  const budget = { points: spec.points, duration: spec.durationSeconds };
  return new RateLimiterRedis({
    ...budget,
    storeClient: redis,
    keyPrefix: `${config.redis.prefix}:rl:${spec.name}`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ ...budget, keyPrefix: spec.name }),
  });
}

/** A refusal by the limiter (as opposed to a Redis failure the insurance could not absorb). */
export const isLimitReached = (err: unknown): err is RateLimiterRes => err instanceof RateLimiterRes;

export const retryAfterSeconds = (res: RateLimiterRes): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));
