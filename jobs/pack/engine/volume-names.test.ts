import { volumeFileNames, ZIP_VARIANTS } from './volume-names';

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

  it('refuses a variant outside the range', () => {
    expect(() => volumeFileNames({ ...book, volumes: 1, variant: ZIP_VARIANTS })).toThrow(RangeError);
    expect(() => volumeFileNames({ ...book, volumes: 1, variant: -1 })).toThrow(RangeError);
  });
});
