import type { Redis } from '../../../lib/redis';
import { yearOf } from '../../../lib/domain/embedded-metadata';
import { getJson, HttpJsonOptions } from './http-json';
import { ProviderError } from './provider-error';
import type { TieInProvider, TieInQuery, TieInRecord } from './tie-in-record';

interface TvdbEnvelope<T> {
  status: 'success' | 'failure';
  message?: string;
  data?: T;
}

interface TvdbSearchResult {
  tvdb_id?: string;
  id?: string;
  name?: string;
  year?: string;
  first_air_time?: string;
  overview?: string;
  image_url?: string;
  remote_ids?: { id: string; sourceName: string }[];
}

/** TheTVDB tokens last about a month; keep them a little less. */
const TOKEN_TTL_SECONDS = 25 * 24 * 3600;

/**
 * TheTVDB v4: log in with TVDB_API_KEY (and TVDB_PIN for user-supported keys) for a bearer token,
 * kept in Redis for every worker until it nears expiry (or is refused), then `search?type=series`.
 */
export class TvdbProvider implements TieInProvider {
  readonly name = 'tvdb';

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly pin: string | undefined,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly http: Omit<HttpJsonOptions, 'provider'>,
  ) {}

  unavailableReason(): string | undefined {
    return this.apiKey ? undefined : 'no TVDB_API_KEY configured';
  }

  private get tokenKey(): string {
    return `${this.prefix}:tvdb:token`;
  }

  private async token(): Promise<string> {
    const cached = await this.redis.get(this.tokenKey);
    if (cached) return cached;
    const body = { apikey: this.apiKey, ...(this.pin ? { pin: this.pin } : {}) };
    const answer = await getJson<TvdbEnvelope<{ token: string }>>(`${this.baseUrl}/login`, { ...this.http, provider: this.name, body }).catch(
      (err: unknown) => {
        if (err instanceof ProviderError && err.kind === 'http') throw new ProviderError(this.name, 'http', 'login refused (check TVDB_API_KEY and TVDB_PIN)');
        throw err;
      },
    );
    const token = answer?.status === 'success' ? answer.data?.token : undefined;
    if (!token) throw new ProviderError(this.name, 'http', `login failed: ${answer?.message ?? 'no token'}`);
    await this.redis.set(this.tokenKey, token, 'EX', TOKEN_TTL_SECONDS);
    return token;
  }

  async find(query: TieInQuery): Promise<TieInRecord | undefined> {
    const term = query.imdbId ?? query.title;
    if (!term) return undefined;
    const search = (token: string) =>
      getJson<TvdbEnvelope<TvdbSearchResult[]>>(`${this.baseUrl}/search?query=${encodeURIComponent(term)}&type=series`, {
        ...this.http,
        provider: this.name,
        headers: { Authorization: `Bearer ${token}` },
      });
    let answer;
    try {
      answer = await search(await this.token());
    } catch (err) {
      // An expired or revoked token: log in once more.
      if (!(err instanceof ProviderError && err.message.includes('HTTP 401'))) throw err;
      await this.redis.del(this.tokenKey);
      answer = await search(await this.token());
    }
    const hit = answer?.data?.[0];
    if (!hit?.name) return undefined;
    return {
      provider: this.name,
      id: String(hit.tvdb_id ?? hit.id),
      kind: 'series',
      title: hit.name,
      year: yearOf(hit.year ?? hit.first_air_time),
      imdbId: hit.remote_ids?.find((r) => r.sourceName === 'IMDB')?.id,
      overview: hit.overview,
      makers: [],
      posterUrl: hit.image_url,
    };
  }
}
