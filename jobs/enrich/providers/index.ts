import type { Config } from '../../../lib/config';
import type { Redis } from '../../../lib/redis';
import { GoogleBooksProvider } from './google-books';
import { OpenLibraryProvider } from './openlibrary';
import { ProviderError } from './provider-error';
import { OmdbProvider } from './omdb';
import type { BookProvider, Provider, ProviderOutcome } from './provider-record';
import type { TieInProvider } from './tie-in-record';
import { TmdbProvider } from './tmdb';
import { TvdbProvider } from './tvdb';
import { RateLimiter } from './rate-limiter';
import { ResponseCache } from './response-cache';

export interface Providers {
  books: BookProvider[];
  tieIns: TieInProvider[];
  cache: ResponseCache;
}

export type ProviderKeys = Pick<Config['providers'], 'googleBooksKey' | 'omdbKey' | 'tmdbKey' | 'tvdbKey' | 'tvdbPin'>;

/**
 * Every provider, in the order they are asked, sharing one rate limiter and one cache. Keys
 * default to the environment's; workers pass the ones in force (environment, else the database).
 */
export function createProviders(config: Config, redis: Redis, keys: ProviderKeys = config.providers): Providers {
  const { baseUrls } = config.providers;
  const http = {
    timeoutMs: config.providers.timeoutMs,
    retries: config.providers.retries,
    limiter: new RateLimiter(redis, config, { perSecond: config.providers.rateLimits, perDay: config.providers.dailyQuotas }),
  };
  return {
    books: [new GoogleBooksProvider(baseUrls.googlebooks, keys.googleBooksKey, http), new OpenLibraryProvider(baseUrls.openlibrary, http)],
    tieIns: [
      new OmdbProvider(baseUrls.omdb, keys.omdbKey, http),
      new TmdbProvider(baseUrls.tmdb, keys.tmdbKey, http),
      new TvdbProvider(baseUrls.tvdb, keys.tvdbKey, keys.tvdbPin, redis, config.redis.prefix, http),
    ],
    cache: new ResponseCache(redis, config.redis.prefix, config.providers.cacheTtlSeconds),
  };
}

/**
 * Asks every provider, through the cache. A provider that fails or has no key is reported in the
 * outcome and never fails the lookup: enrichment goes on with what the others gave.
 */
export async function lookUp<Q, R>(providers: Provider<Q, R>[], cache: ResponseCache, query: Q): Promise<ProviderOutcome<R>[]> {
  return Promise.all(
    providers.map(async (provider): Promise<ProviderOutcome<R>> => {
      const reason = provider.unavailableReason();
      if (reason) return { provider: provider.name, status: 'skipped', reason };
      const cached = await cache.get<R>(provider.name, query);
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
