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
