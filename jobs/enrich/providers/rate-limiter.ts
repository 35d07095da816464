import type { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../../../lib/config';
import type { Redis } from '../../../lib/redis';
import { isLimitReached, redisLimiter } from '../../../lib/redis-limiter';
import { ProviderError } from './provider-error';

const WINDOW_MS = 1000;
const DAY_SECONDS = 86_400;

export interface ProviderLimits {
  /** Requests a second per provider. */
  perSecond: Record<string, number>;
  /** Requests a UTC day per provider (OMDb's free key: 1,000). */
  perDay: Record<string, number>;
}

/**
 * Per-provider limits shared by every worker process through Redis: N requests a second (one
 * counter per one-second window; a caller over it waits for the next window) and a daily quota
 * (a caller over it gets a ProviderError at once: waiting hours would hold the enrich job).
 */
export class RateLimiter {
  private readonly daily: Record<string, RateLimiterRedis>;

  constructor(
    private readonly redis: Redis,
    private readonly config: Pick<Config, 'redis'>,
    private readonly limits: ProviderLimits,
  ) {
    this.daily = Object.fromEntries(
      Object.entries(limits.perDay).map(([provider, points]) => [
        provider,
        redisLimiter(config, redis, { name: `provider-day-${provider}`, points, durationSeconds: DAY_SECONDS }),
      ]),
    );
  }

  async acquire(provider: string): Promise<void> {
    await this.perSecond(provider);
    const quota = this.daily[provider];
    if (!quota) return;
    const day = new Date().toISOString().slice(0, 10);
    await quota.consume(day).catch((err: unknown) => {
      if (!isLimitReached(err)) throw err;
      throw new ProviderError(provider, 'quota', `the daily quota of ${this.limits.perDay[provider]} requests is used up; it renews at 00:00 UTC`);
    });
  }

  private async perSecond(provider: string): Promise<void> {
    const limit = this.limits.perSecond[provider];
    if (!limit) return;
    for (;;) {
      const now = Date.now();
      const window = Math.floor(now / WINDOW_MS);
      const key = `${this.config.redis.prefix}:ratelimit:${provider}:${window}`;
      const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, WINDOW_MS * 2).exec()) as [[Error | null, number]];
      if (count <= limit) return;
      await new Promise((resolve) => setTimeout(resolve, (window + 1) * WINDOW_MS - now + 1));
    }
  }
}
