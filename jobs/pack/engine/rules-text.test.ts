import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { decodeRulesText, parseRulesText } from './rules-text';
import { EBOOK_2022_LIMITS } from '../../../lib/domain/rule-limits';

const RULES_NFO = path.join(__dirname, '../fixtures/ebook-rules-2022.nfo');

describe('rules text import', () => {
  it('reads every limit, the section, scene and year out of a CP437 rules .nfo in the scene layout', () => {
    const bytes = fs.readFileSync(RULES_NFO);
    expect(bytes.includes(Buffer.from('│', 'utf8'))).toBe(false); // really CP437 on disk
    const parsed = parseRulesText(decodeRulesText(bytes));
    expect(parsed).toMatchObject({ section: 'EBOOK', scene: 'English', year: 2022, missing: [] });
    expect(parsed.limits).toEqual(EBOOK_2022_LIMITS);
    expect(parsed.found.sort()).toEqual(Object.keys(EBOOK_2022_LIMITS).sort());
  });

  it('reads other values when a ruleset states them differently, and lists what it could not find', () => {
    const text = [
      'EBOOK RULES 2024',
      '1) NFO at most 70 columns.',
      '2) FILE_ID.DIZ max 40 chars wide, 20 lines.',
      '3) Volume sizes: 10, 20 or 50 MB.',
      '4) Allowed formats: EPUB and PDF only.',
    ].join('\r\n');
    const parsed = parseRulesText(decodeRulesText(iconv.encode(text, 'cp437')));
    expect(parsed.year).toBe(2024);
    expect(parsed.limits).toMatchObject({ nfoWidth: 70, dizWidth: 40, dizLines: 20, volumeSizesMb: [10, 20, 50], formats: ['epub', 'pdf'] });
    expect(parsed.missing.sort()).toEqual(['dirnameMaxLength', 'maxVolumes']);
    expect(parsed.limits.maxVolumes).toBe(99);
  });

  it('finds nothing in text that is not a ruleset', () => {
    const parsed = parseRulesText('Just some release notes. Enjoy the book!');
    expect(parsed.found).toEqual([]);
    expect(parsed.section).toBeUndefined();
  });
});

describe('rules text import, limit by limit', () => {
  /** The limits a text states, by name. */
  const stated = (text: string) => {
    const parsed = parseRulesText(text);
    return Object.fromEntries(parsed.found.map((key) => [key, parsed.limits[key]]));
  };

  it('reads a UTF-8 file as UTF-8 and anything else as CP437', () => {
    expect(decodeRulesText(Buffer.from('Règles │ ok', 'utf8'))).toBe('Règles │ ok');
    expect(decodeRulesText(iconv.encode('Règles │ ok', 'cp437'))).toBe('Règles │ ok');
  });

  it('reads an item wrapped over lines as one, and never takes a number from the next item', () => {
    expect(stated('1) The NFO must not be wider than\r\n   80 characters.\r\n2) Dirnames at most 200 characters.')).toEqual({ nfoWidth: 80, dirnameMaxLength: 200 });
    expect(stated('1) NFO rules apply to all releases. 2) Directory names must be at most 200 characters.')).toEqual({ dirnameMaxLength: 200 });
    expect(stated('│ 1.1) NFO: the usual. │\r\n│ 1.2) Wider than 90 columns is refused. │')).toEqual({});
  });

  it('reads the DIZ width and lines, the volume count and the dirname length in the words rule writers use', () => {
    expect(stated('The file_id.diz must be at most 44 chars wide and 30 lines long.')).toEqual({ dizWidth: 44, dizLines: 30 });
    expect(stated('DIZ: 20 lines')).toEqual({ dizLines: 20 });
    for (const [text, count] of [['must not exceed 40 volumes', 40], ['a maximum of 50 disks', 50], ['max. 30 zips', 30], ['up to 10 files', 10], ['at most 12 volumes', 12]] as const) {
      expect(stated(text)).toEqual({ maxVolumes: count });
    }
    expect(stated('Directory name: at most 180 chars.')).toEqual({ dirnameMaxLength: 180 });
    expect(stated('dir name no longer than 150 characters')).toEqual({ dirnameMaxLength: 150 });
  });

  it('reads volume sizes written in bytes with separators or in MB, and none without a unit', () => {
    expect(stated('Volume sizes are 5.000.000, 10.000.000 and 50.000.000 bytes.')).toEqual({ volumeSizesMb: [5, 10, 50] });
    expect(stated('Archive size: 15,000,000 bytes')).toEqual({ volumeSizesMb: [15] });
    expect(stated('Volume sizes: 5, 10 MiB')).toEqual({ volumeSizesMb: [5, 10] });
    expect(stated('Zip sizes: 5 or 10. Next rule')).toEqual({});
  });

  it('reads the allowed formats, AZW and KF8 both meaning AZW3, and ignores formats that are not books', () => {
    expect(stated('Formats are: AZW, KF8, MOBI, PRC, CBZ.')).toEqual({ formats: ['mobi', 'azw3', 'prc', 'cbz'] });
    expect(stated('Accepted formats: docx, txt.')).toEqual({});
    // Each word alone, and a ruleset that names a single format.
    for (const [word, format] of [['AZW3', 'azw3'], ['KF8', 'azw3'], ['AZW', 'azw3'], ['MOBI', 'mobi'], ['CBZ', 'cbz'], ['ePub', 'epub'], ['PDF', 'pdf'], ['PRC', 'prc']]) {
      expect(stated(`Allowed formats: ${word}.`)).toEqual({ formats: [format] });
    }
    expect(stated('The one allowed format: EPUB')).toEqual({ formats: ['epub'] });
    expect(stated('Format: PDF')).toEqual({ formats: ['pdf'] });
  });

  it('reads limits written without a space before their unit', () => {
    expect(stated('NFO: max 80chars. DIZ: 44cols, 10lines. Dirnames: 64chars.')).toEqual({ nfoWidth: 80, dizWidth: 44, dizLines: 10, dirnameMaxLength: 64 });
    for (const [text, count] of [['max 20 volumes', 20], ['max.99 disks', 99], ['at most 15zips', 15]] as const) {
      expect(stated(text)).toEqual({ maxVolumes: count });
    }
  });

  it('reads a table drawn with box characters, and lines ending in a bare line feed', () => {
    expect(stated('║NFO║80 columns║\n║DIZ║44 chars║')).toEqual({ nfoWidth: 80, dizWidth: 44 });
    expect(parseRulesText('Section: EBOOK\nScene: English\nRules 2022')).toMatchObject({ section: 'EBOOK', scene: 'English', year: 2022 });
  });

  it('counts the words after a keyword, not the spaces that align a column', () => {
    expect(stated(`NFO width${' '.repeat(150)}80 columns`)).toEqual({ nfoWidth: 80 });
  });

  it('looks for a limit after its keyword only, never before it', () => {
    expect(stated('Dirnames up to 64 chars FILE_ID.DIZ holds 10 lines.')).toEqual({ dirnameMaxLength: 64, dizLines: 10 });
  });

  it('stops at the next numbered item however many digits its number has', () => {
    expect(stated('11) NFO files are named in 8.3. 12) Dirnames max 64 characters.')).toEqual({ dirnameMaxLength: 64 });
    expect(stated('1.11) NFO files are named in 8.3. 1.12) Dirnames max 64 characters.')).toEqual({ dirnameMaxLength: 64 });
  });

  it('keeps only whole, positive sizes in MB', () => {
    expect(stated('Volume sizes are 2.500.000, 5.000.000 and 0.000.000 bytes.')).toEqual({ volumeSizesMb: [5] });
    expect(stated('Volume size: 0 or 50 megabyte.')).toEqual({ volumeSizesMb: [50] });
  });

  it('reads the section and scene fields, and the latest year of a title or revision line', () => {
    expect(parseRulesText('Section....: ebook\r\nScene: German\r\nT H E  2 0 2 2  R U L E S')).toMatchObject({ section: 'EBOOK', scene: 'German', year: 2022 });
    expect(parseRulesText('Rules 2019, revised 2021\r\nCopyright 2024').year).toBe(2021);
    expect(parseRulesText('Published 2023').year).toBeUndefined();
    expect(parseRulesText('E B O O K  R U L E S  2 0 2 3').year).toBe(2023);
  });
});
