import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { matchKey } from './match';
import { matchesQuery, mergeBook } from './merge';
import type { ProviderOutcome, ProviderRecord } from './providers/provider-record';

const catalogue = (fields: Partial<ProviderRecord>): ProviderRecord => ({ provider: 'googlebooks', authors: [], categories: [], ...fields });
const found = (record: ProviderRecord): ProviderOutcome => ({ provider: record.provider, status: 'found', record, cached: false });
const embedded: EmbeddedMetadata = { format: 'epub', title: 'The Hobbit', authors: ['J. R. R. Tolkien'], identifiers: [], isbn: '9780547928227', year: 2012, publisher: 'Mariner Books' };

describe('matching', () => {
  it('tolerates case, accents, punctuation, articles and subtitles', () => {
    expect(matchKey('The Hobbit: or There and Back Again')).toBe(matchKey('hobbit'));
    expect(matchKey('Fördömda Själar!')).toBe(matchKey('fordomda sjalar'));
    expect(matchesQuery(catalogue({ title: 'Tales from Earthsea', authors: ['Ursula K. Le Guin'] }), { title: 'TALES FROM EARTHSEA', author: 'Le Guin, U.' })).toBe(false);
    expect(matchesQuery(catalogue({ title: 'Tales from Earthsea', authors: ['Ursula K. Le Guin'] }), { title: 'Tales from Earthsea', author: 'U. K. Le Guin' })).toBe(true);
    expect(matchesQuery(catalogue({ title: 'Another Book', isbn13: '9780547928227' }), { isbn: '9780547928227' })).toBe(true);
    expect(matchesQuery(catalogue({ isbn13: '9780140328721' }), { isbn: '9780547928227' })).toBe(false);
  });
});

describe('mergeBook', () => {
  it('lets the file beat catalogues, catalogues fill gaps, and overrides beat everything', () => {
    const google = catalogue({ title: 'The Hobbit', authors: ['J.R.R. Tolkien'], publisher: 'Houghton Mifflin', year: 1937, pages: 300, description: 'A hobbit.', isbn13: '9780547928227' });
    const result = mergeBook('epub', embedded, { year: 2013 }, { isbn: '9780547928227' }, [found(google)]);
    expect(result.record).toMatchObject({ title: 'The Hobbit', authors: ['J. R. R. Tolkien'], publisher: 'Mariner Books', year: 2013, pages: 300, description: 'A hobbit.' });
    expect(result.record.sources).toMatchObject({ title: 'embedded', publisher: 'embedded', year: 'override', pages: 'googlebooks' });
    expect(result.confidence).toBe(0.9);
  });

  it('prefers catalogue titles and authors over a PDF info dictionary, and ignores records of other books', () => {
    const pdf: EmbeddedMetadata = { format: 'pdf', title: 'Microsoft Word - draft7.doc', authors: ['jsmith'], identifiers: [], isbn: '9780547928227' };
    const right = catalogue({ title: 'The Hobbit', authors: ['J.R.R. Tolkien'], isbn13: '9780547928227' });
    const wrong = catalogue({ provider: 'openlibrary', title: 'Fantastic Mr Fox', isbn13: '9780140328721' });
    const result = mergeBook('pdf', pdf, {}, { isbn: '9780547928227' }, [found(right), found(wrong)]);
    expect(result.record).toMatchObject({ title: 'The Hobbit', authors: ['J.R.R. Tolkien'] });
    expect(mergeBook('pdf', pdf, {}, { isbn: '9780547928227' }, []).record.title).toBe('Microsoft Word - draft7.doc');
    expect(mergeBook('pdf', pdf, {}, { isbn: '9780547928227' }, []).confidence).toBe(0.3);
  });
});
