import { yearOf } from '../../../lib/domain/embedded-metadata';
import { getJson, HttpJsonOptions } from './http-json';
import { ProviderError } from './provider-error';
import type { TieInProvider, TieInQuery, TieInRecord } from './tie-in-record';

/** OMDb answers every value as a string, with "N/A" for none. */
type OmdbAnswer = { Response: 'True' | 'False'; Error?: string } & Record<string, string>;

const value = (text: string | undefined) => (text && text !== 'N/A' ? text : undefined);

/** OMDb: by IMDb id (`i=`) or by title and year (`t=`, `y=`); needs OMDB_API_KEY. */
export class OmdbProvider implements TieInProvider {
  readonly name = 'omdb';

  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
    private readonly http: Omit<HttpJsonOptions, 'provider'>,
  ) {}

  unavailableReason(): string | undefined {
    return this.apiKey ? undefined : 'no OMDB_API_KEY configured';
  }

  async find(query: TieInQuery): Promise<TieInRecord | undefined> {
    const by = query.imdbId ? `i=${query.imdbId}` : query.title ? `t=${encodeURIComponent(query.title)}${query.year ? `&y=${query.year}` : ''}` : undefined;
    if (!by) return undefined;
    const answer = await getJson<OmdbAnswer>(`${this.baseUrl}/?apikey=${encodeURIComponent(this.apiKey!)}&${by}`, { ...this.http, provider: this.name });
    if (!answer || answer.Response !== 'True') {
      if (answer?.Error && !/not found/i.test(answer.Error)) throw new ProviderError(this.name, 'http', answer.Error);
      return undefined;
    }
    return {
      provider: this.name,
      id: answer.imdbID,
      kind: answer.Type === 'series' ? 'series' : 'movie',
      title: answer.Title,
      year: yearOf(answer.Year),
      imdbId: answer.imdbID,
      overview: value(answer.Plot),
      makers: (value(answer.Director) ?? value(answer.Writer) ?? '').split(',').map((m) => m.trim()).filter(Boolean),
      posterUrl: value(answer.Poster),
    };
  }
}
