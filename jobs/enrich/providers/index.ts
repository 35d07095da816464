import type { Config } from '../../../lib/config';
import type { Redis } from '../../../lib/redis';
import { GoogleBooksProvider } from './google-books';
import { OpenLibraryProvider } from './openlibrary';
import { ProviderError } from './provider-error';
import type { BookProvider, BookQuery, ProviderOutcome, ProviderRecord } from './provider-record';
import { RateLimiter } from './rate-limiter';
import { ResponseCache } from './response-cache';

/** The book catalogues, in the order they are asked. */
export function createBookProviders(config: Config, redis: Redis): { providers: BookProvider[]; cache: ResponseCache } {
  const http = {
    timeoutMs: config.providers.timeoutMs,
    retries: config.providers.retries,
    limiter: new RateLimiter(redis, config.redis.prefix, config.providers.rateLimits),
  };
  return {
    providers: [
      new GoogleBooksProvider(config.providers.baseUrls.googlebooks, config.providers.googleBooksKey, http),
      new OpenLibraryProvider(config.providers.baseUrls.openlibrary, http),
    ],
    cache: new ResponseCache(redis, config.redis.prefix, config.providers.cacheTtlSeconds),
  };
}

/**
 * Asks every provider, through the cache. A provider that fails or has no key is reported in the
 * outcome and never fails the lookup: enrichment goes on with what the others gave.
 */
export async function lookUpBook(providers: BookProvider[], cache: ResponseCache, query: BookQuery): Promise<ProviderOutcome[]> {
  return Promise.all(
    providers.map(async (provider): Promise<ProviderOutcome> => {
      const reason = provider.unavailableReason();
      if (reason) return { provider: provider.name, status: 'skipped', reason };
      const cached = await cache.get<ProviderRecord>(provider.name, query);
      if (cached) return cached.value ? { provider: provider.name, status: 'found', record: cached.value, cached: true } : { provider: provider.name, status: 'not_found', cached: true };
      try {
        const record = await provider.find(query);
        await cache.set(provider.name, query, record ?? null);
        return record ? { provider: provider.name, status: 'found', record, cached: false } : { provider: provider.name, status: 'not_found', cached: false };
      } catch (err) {
        if (err instanceof ProviderError) return { provider: provider.name, status: 'failed', reason: err.message };
        throw err;
      }
    }),
  );
}
