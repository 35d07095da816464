import { center, maxColumns, wrap } from './text-layout';

describe('wrap', () => {
  it('fills each line with as many words as fit, one space between them', () => {
    expect(wrap('the quick brown fox jumps over the lazy dog', 10)).toEqual(['the quick', 'brown fox', 'jumps over', 'the lazy', 'dog']);
    // A word that ends exactly at the width stays on its line.
    expect(wrap('abcd efghi', 10)).toEqual(['abcd efghi']);
    expect(wrap('abcd efghij', 10)).toEqual(['abcd', 'efghij']);
  });

  it('reads any run of white space as one break between words', () => {
    expect(wrap('  one \t two   three  ', 20)).toEqual(['one two three']);
  });

  it('cuts a word longer than the width into pieces of the width, after the line before it', () => {
    expect(wrap('ab abcdefghijkl cd', 5)).toEqual(['ab', 'abcde', 'fghij', 'kl cd']);
    // A word of exactly twice the width leaves nothing behind it.
    expect(wrap('abcdefghij next', 5)).toEqual(['abcde', 'fghij', 'next']);
    expect(wrap('abcdefghij', 5)).toEqual(['abcde', 'fghij']);
  });

  it('keeps paragraphs (LF or CRLF) and the empty lines between them, but none at the end', () => {
    expect(wrap('one\r\n\r\ntwo three\nfour\n\n\n', 9)).toEqual(['one', '', 'two three', 'four']);
    expect(wrap('', 10)).toEqual([]);
    expect(wrap('\n\n', 10)).toEqual([]);
  });
});

describe('center', () => {
  it('puts the odd space on the right and pads to the width', () => {
    expect(center('ab', 7)).toBe('  ab   ');
    expect(center('abc', 7)).toBe('  abc  ');
    expect(center('abcdefg', 7)).toBe('abcdefg');
  });

  it('leaves a text wider than the width whole, with no padding', () => {
    expect(center('abcdefgh', 5)).toBe('abcdefgh');
  });
});

describe('maxColumns', () => {
  it('counts characters (not UTF-16 units) of the longest line, CR not counted', () => {
    expect(maxColumns('ab\r\nabcd\nabc')).toBe(4);
    expect(maxColumns('█▀▄\r\n😀😀')).toBe(3);
    expect(maxColumns('')).toBe(0);
  });
});
