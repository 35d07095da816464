import { fullerTitle } from '../inspect/pdf-title-page';
import { isPersonalName } from './authors';
import { missingCreator } from './creator-required';
import { meaningful } from './junk';

const metadata = { format: 'pdf' as const, authors: [], identifiers: [] };

describe('reading real books (issue 19)', () => {
  it('refuses a book with no author, publisher or ISBN, naming the fields to fill; lets the others through', () => {
    expect(missingCreator(metadata, {})).toMatchObject({ fields: ['overrides.authors', 'overrides.publisher'] });
    expect(missingCreator(metadata, { publisher: 'Debian' })).toBeUndefined();
    expect(missingCreator(metadata, { authors: ['Osamu Aoki'] })).toBeUndefined();
    expect(missingCreator({ ...metadata, isbn: '9780547928227' }, {})).toBeUndefined();
    expect(missingCreator({ ...metadata, publisher: 'Debian' }, {})).toBeUndefined();
    expect(missingCreator(undefined, {})).toBeUndefined();
  });

  it('completes a declared title from page 1 only when the page says more words, never a date', () => {
    expect(fullerTitle('STEAD3', 'STEAD3: Программирование модулей')).toBe('STEAD3: Программирование модулей');
    expect(fullerTitle('Handbuch für Debian Edu', 'Handbuch für Debian Edu Publikationsdatum: 31.01.2024')).toBe('Handbuch für Debian Edu');
    expect(fullerTitle('gnuplot documentation', 'gnuplot 5.4')).toBe('gnuplot documentation');
    expect(fullerTitle(undefined, 'Debian Reference')).toBe('Debian Reference');
  });

  it("treats package slugs as junk titles and subtitles as nobody's name", () => {
    expect(meaningful('developers-reference')).toBeUndefined();
    expect(meaningful('Debian-Referenz')).toBe('Debian-Referenz');
    expect(isPersonalName('An Interactive Plotting Program')).toBe(false);
    expect(isPersonalName('Thomas Williams')).toBe(true);
  });
});
