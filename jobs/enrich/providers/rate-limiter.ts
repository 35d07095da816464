import type { Redis } from '../../../lib/redis';

const WINDOW_MS = 1000;

/**
 * A per-provider limit of N requests a second shared by every worker process: one Redis counter
 * per provider and one-second window. A caller over the limit waits for the next window.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: Record<string, number>,
  ) {}

  async acquire(provider: string): Promise<void> {
    const limit = this.limits[provider];
    if (!limit) return;
    for (;;) {
      const now = Date.now();
      const window = Math.floor(now / WINDOW_MS);
      const key = `${this.prefix}:ratelimit:${provider}:${window}`;
      const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, WINDOW_MS * 2).exec()) as [[Error | null, number]];
      if (count <= limit) return;
      await new Promise((resolve) => setTimeout(resolve, (window + 1) * WINDOW_MS - now + 1));
    }
  }
}
