import type { Provider } from './provider-record';

/** A film or series a book is tied to (novelisations, companions), normalised across providers. */
export interface TieInRecord {
  provider: string;
  id: string;
  kind: 'movie' | 'series';
  title: string;
  year?: number;
  imdbId?: string;
  overview?: string;
  /** Directors of a film, creators of a series. */
  makers: string[];
  posterUrl?: string;
}

export interface TieInQuery {
  imdbId?: string;
  title?: string;
  year?: number;
  kind?: 'movie' | 'series';
}

export type TieInProvider = Provider<TieInQuery, TieInRecord>;
