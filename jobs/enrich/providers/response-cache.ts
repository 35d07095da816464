import { createHash } from 'node:crypto';
import { providerCache } from '../../../lib/metrics';
import type { Redis } from '../../../lib/redis';

/**
 * Provider answers cached in Redis by provider and query, including "not found" (for a shorter
 * time), so the same ISBN across many uploads costs one call.
 */
export class ResponseCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(provider: string, query: unknown): string {
    const digest = createHash('sha256').update(JSON.stringify(query)).digest('hex').slice(0, 32);
    return `${this.prefix}:cache:${provider}:${digest}`;
  }

  /** undefined: not cached; { value: null }: cached miss. */
  async get<T>(provider: string, query: unknown): Promise<{ value: T | null } | undefined> {
    if (this.ttlSeconds === 0) return undefined;
    const raw = await this.redis.get(this.key(provider, query));
    providerCache.inc({ provider, result: raw === null ? 'miss' : 'hit' });
    return raw === null ? undefined : { value: JSON.parse(raw) as T | null };
  }

  async set<T>(provider: string, query: unknown, value: T | null): Promise<void> {
    if (this.ttlSeconds === 0) return;
    const ttl = value === null ? Math.max(1, Math.floor(this.ttlSeconds / 7)) : this.ttlSeconds;
    await this.redis.set(this.key(provider, query), JSON.stringify(value), 'EX', ttl);
  }
}
