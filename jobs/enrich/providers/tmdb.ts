import { yearOf } from '../../../lib/domain/embedded-metadata';
import { getJson, HttpJsonOptions } from './http-json';
import type { TieInProvider, TieInQuery, TieInRecord } from './tie-in-record';

interface TmdbTitle {
  id: number;
  title?: string;
  name?: string;
  release_date?: string;
  first_air_date?: string;
  overview?: string;
  poster_path?: string | null;
  imdb_id?: string;
  external_ids?: { imdb_id?: string | null };
  credits?: { crew?: { job?: string; name: string }[] };
  created_by?: { name: string }[];
}

/**
 * TMDB v3: `find/{imdb id}` then the title with external ids and credits, or `search/movie|tv`.
 * TMDB_API_KEY may be a v3 key (sent as api_key) or a v4 read token (sent as a bearer header).
 */
export class TmdbProvider implements TieInProvider {
  readonly name = 'tmdb';

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly http: Omit<HttpJsonOptions, 'provider'>,
  ) {}

  unavailableReason(): string | undefined {
    return this.apiKey ? undefined : 'no TMDB_API_KEY configured';
  }

  private get isBearer(): boolean {
    return (this.apiKey ?? '').split('.').length === 3;
  }

  /** A v3 key goes first in the query string (as TMDB's own examples put it); a v4 token in a header. */
  private get<T>(pathAndQuery: string): Promise<T | undefined> {
    const [pathPart, query = ''] = pathAndQuery.split('?');
    const params = this.isBearer ? query : [`api_key=${encodeURIComponent(this.apiKey!)}`, query].filter(Boolean).join('&');
    return getJson<T>(`${this.baseUrl}${pathPart}${params ? `?${params}` : ''}`, {
      ...this.http,
      provider: this.name,
      headers: this.isBearer ? { Authorization: `Bearer ${this.apiKey}` } : undefined,
    });
  }

  async find(query: TieInQuery): Promise<TieInRecord | undefined> {
    let kind: 'movie' | 'tv' | undefined;
    let id: number | undefined;
    if (query.imdbId) {
      const found = await this.get<{ movie_results?: TmdbTitle[]; tv_results?: TmdbTitle[] }>(`/find/${query.imdbId}?language=en-US&external_source=imdb_id`);
      if (found?.movie_results?.[0]) [kind, id] = ['movie', found.movie_results[0].id];
      else if (found?.tv_results?.[0]) [kind, id] = ['tv', found.tv_results[0].id];
    } else if (query.title) {
      kind = query.kind === 'series' ? 'tv' : 'movie';
      const year = query.year ? `&${kind === 'tv' ? 'first_air_date_year' : 'year'}=${query.year}` : '';
      const results = await this.get<{ results?: TmdbTitle[] }>(`/search/${kind}?query=${encodeURIComponent(query.title)}${year}`);
      id = results?.results?.[0]?.id;
    }
    if (!kind || id === undefined) return undefined;
    const title = await this.get<TmdbTitle>(`/${kind}/${id}?language=en&append_to_response=external_ids,credits`);
    if (!title) return undefined;
    return {
      provider: this.name,
      id: String(title.id),
      kind: kind === 'tv' ? 'series' : 'movie',
      title: title.title ?? title.name ?? '',
      year: yearOf(title.release_date ?? title.first_air_date),
      imdbId: title.imdb_id ?? title.external_ids?.imdb_id ?? undefined,
      overview: title.overview || undefined,
      makers: kind === 'tv' ? (title.created_by ?? []).map((c) => c.name) : (title.credits?.crew ?? []).filter((c) => c.job === 'Director').map((c) => c.name),
      posterUrl: title.poster_path ? `https://image.tmdb.org/t/p/w500${title.poster_path}` : undefined,
    };
  }
}
