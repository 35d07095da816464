import { bookFileName, MAX_BOOK_FILE_NAME, partFileName, volumeFileNames, ZIP_VARIANTS } from './volume-names';

const book = { group: 'ESP', title: 'A Wizard of Earthsea', year: 2012, format: 'epub' as const };

describe('volumeFileNames', () => {
  it('gives the classic 8.3 names, and every zip starts with the prefix', () => {
    expect(volumeFileNames({ ...book, volumes: 1 })).toEqual({ zips: ['esawo12e.zip'], nfo: 'esawo12e.nfo', prefix: 'esawo1' });
    expect(volumeFileNames({ ...book, volumes: 3 })).toEqual({ zips: ['esaw1201.zip', 'esaw1202.zip', 'esaw1203.zip'], nfo: 'esaw12.nfo', prefix: 'esaw12' });
    expect(volumeFileNames({ ...book, volumes: 1, variant: 0 })).toEqual(volumeFileNames({ ...book, volumes: 1 }));
  });

  // A variant may happen to spell the classic prefix; the database check skips any prefix held.
  it('gives each variant its own prefix, keeping group, year and format letter in 8.3 form', () => {
    for (const volumes of [1, 4]) {
      const prefixes = new Set<string>();
      const zips = new Set<string>();
      for (let variant = 1; variant < ZIP_VARIANTS; variant++) {
        const names = volumeFileNames({ ...book, volumes, variant });
        prefixes.add(names.prefix);
        for (const zip of names.zips) {
          expect(zip).toMatch(/^[a-z0-9]{8}\.zip$/);
          expect(zip.startsWith(names.prefix)).toBe(true);
          expect(zip.slice(0, 2)).toBe('es');
          zips.add(zip);
        }
      }
      expect(prefixes.size).toBe(ZIP_VARIANTS - 1);
      expect(zips.size).toBe((ZIP_VARIANTS - 1) * volumes);
    }
    expect(volumeFileNames({ ...book, volumes: 1, variant: 1 }).zips).toEqual(['esa0112e.zip']);
    expect(volumeFileNames({ ...book, volumes: 2, variant: 37 }).zips).toEqual(['es111201.zip', 'es111202.zip']);
  });

  it('refuses a variant outside the range, naming the range', () => {
    expect(() => volumeFileNames({ ...book, volumes: 1, variant: ZIP_VARIANTS })).toThrow(new RangeError('zip name variant 1296 is outside 1..1295'));
    expect(() => volumeFileNames({ ...book, volumes: 1, variant: -1 })).toThrow(RangeError);
  });

  it('ends a single zip name with the letter of the book\'s format', () => {
    const letters = { epub: 'e', pdf: 'p', mobi: 'm', azw3: 'k', prc: 'r', cbz: 'c' } as const;
    for (const [format, letter] of Object.entries(letters)) {
      expect(volumeFileNames({ ...book, format: format as keyof typeof letters, volumes: 1 }).zips).toEqual([`esawo12${letter}.zip`]);
    }
  });

  // Too few initials or group letters: the name is filled from the title's letters, then x.
  it('fills a short title or group out to eight characters', () => {
    const shortBook = { group: 'X', title: 'It', year: 1986, format: 'epub' as const };
    expect(volumeFileNames({ ...shortBook, volumes: 1 })).toEqual({ zips: ['xxi86eit.zip'], nfo: 'xxi86eit.nfo', prefix: 'xxi86e' });
    expect(volumeFileNames({ ...shortBook, volumes: 2 }).zips).toEqual(['xxii8601.zip', 'xxii8602.zip']);
    expect(volumeFileNames({ ...shortBook, title: 'O', volumes: 1 }).zips).toEqual(['xxo86eox.zip']);
  });
});

describe('bookFileName and partFileName', () => {
  const name = 'Ursula.K.Le.Guin.A.Wizard.of.Earthsea.2012.RETAiL.ePub.eBook-ESP';

  it('names the book after its release, with the format as extension', () => {
    expect(bookFileName(name, 'epub', 1)).toBe(`${name}.epub`);
    expect(bookFileName(name, 'azw3', 1)).toBe(`${name}.azw3`);
    expect(bookFileName(name, 'prc', 1)).toBe(`${name}.prc`);
  });

  it('numbers the parts of a book split over several volumes, and leaves a single one as it is', () => {
    expect(partFileName(`${name}.epub`, 1, 1)).toBe(`${name}.epub`);
    expect(partFileName(`${name}.epub`, 2, 12)).toBe(`${name}.epub.002`);
  });

  it('cuts a long release name so the book file name, parts\' numbers included, is exactly at the limit', () => {
    const long = `${'Longest.'.repeat(40)}2012.RETAiL.ePub.eBook-ESP`;
    const single = bookFileName(long, 'epub', 1);
    expect(single).toHaveLength(MAX_BOOK_FILE_NAME);
    expect(single).toBe(`${long.slice(0, MAX_BOOK_FILE_NAME - '.epub'.length)}.epub`);
    const split = bookFileName(long, 'epub', 3);
    expect(split).toBe(`${long.slice(0, MAX_BOOK_FILE_NAME - '.epub.001'.length)}.epub`);
    expect(partFileName(split, 3, 3)).toHaveLength(MAX_BOOK_FILE_NAME);
  });

  it('drops the dots and dashes a cut leaves at the end of the name', () => {
    const cutAfterSeparators = `${'A'.repeat(MAX_BOOK_FILE_NAME - '.epub'.length - 2)}.-Tail.2012-ESP`;
    expect(bookFileName(cutAfterSeparators, 'epub', 1)).toBe(`${'A'.repeat(MAX_BOOK_FILE_NAME - '.epub'.length - 2)}.epub`);
  });
});
