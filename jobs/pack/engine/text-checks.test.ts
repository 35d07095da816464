import { EBOOK_2022_LIMITS } from '../../../lib/domain/rule-limits';
import { encodeCp437 } from './cp437';
import { cp437LineWidths, dizProblems, nfoCreatorProblems, nfoProblems } from './text-checks';

const DIZ_LIMITS = { dizWidth: 10, dizLines: 3 };

describe('cp437LineWidths', () => {
  it('measures each line in bytes, CR LF and LF ending lines, trailing breaks dropped', () => {
    expect(cp437LineWidths(Buffer.from('ab\r\n\r\nabcd\nx\r\n\r\n'))).toEqual([2, 0, 4, 1]);
    expect(cp437LineWidths(Buffer.from('abc'))).toEqual([3]);
    expect(cp437LineWidths(Buffer.from('\n\nab'))).toEqual([0, 0, 2]);
    expect(cp437LineWidths(Buffer.from(''))).toEqual([0]);
    expect(cp437LineWidths(Buffer.from('\r\n\r\r'))).toEqual([0]);
  });

  it('counts a CR inside a line, only the one before LF is part of the break', () => {
    expect(cp437LineWidths(Buffer.from('a\rb\r\n'))).toEqual([3]);
    expect(cp437LineWidths(Buffer.from('\r\nb'))).toEqual([0, 1]);
  });

  it('measures a string as the CP437 bytes it will be published as', () => {
    expect(cp437LineWidths('┌─┐\r\nЩука')).toEqual([3, 'Shchuka'.length]);
    expect(cp437LineWidths('é')).toEqual([encodeCp437('é').length]);
  });
});

describe('nfoProblems', () => {
  it('names every line wider than the rule, by number and width', () => {
    const text = ['x'.repeat(80), 'y'.repeat(81), 'ok', 'z'.repeat(90)].join('\r\n');
    expect(nfoProblems(text, EBOOK_2022_LIMITS)).toEqual(['NFO line 2 is 81 columns wide (at most 80)', 'NFO line 4 is 90 columns wide (at most 80)']);
    expect(nfoProblems('x'.repeat(80), EBOOK_2022_LIMITS)).toEqual([]);
    expect(nfoProblems('x'.repeat(61), { nfoWidth: 60 })).toEqual(['NFO line 1 is 61 columns wide (at most 60)']);
  });
});

describe('dizProblems', () => {
  it('accepts a DIZ within the width and lines that shows the disk counter, with or without a space', () => {
    expect(dizProblems('abc\r\nDISK: [01/02]', { dizWidth: 14, dizLines: 3 })).toEqual([]);
    expect(dizProblems('DISK:[01/02]', DIZ_LIMITS)).toEqual(['DIZ line 1 is 12 columns wide (at most 10)']);
  });

  it('names each wide line, too many lines, and a missing or malformed counter', () => {
    expect(dizProblems('abcdefghijk\r\nb\r\nc\r\nd', DIZ_LIMITS)).toEqual([
      'DIZ line 1 is 11 columns wide (at most 10)',
      'the DIZ has 4 lines (at most 3)',
      'the DIZ does not show the disk counter DISK: [xx/NN]',
    ]);
    for (const counter of ['DISK: [1/02]', 'DISK: [01/2]', 'DISK [01/02]', 'DISK:  [01/02]', 'disk: [01/02]']) {
      expect(dizProblems(counter, { dizWidth: 44, dizLines: 3 })).toEqual(['the DIZ does not show the disk counter DISK: [xx/NN]']);
    }
  });

  it('reads the counter from published bytes as well as from a text', () => {
    expect(dizProblems(encodeCp437('░ DISK: [03/09]'), { dizWidth: 44, dizLines: 3 })).toEqual([]);
    expect(dizProblems(Buffer.from('a\r\nb\r\nc\r\n'), DIZ_LIMITS)).toEqual(['the DIZ does not show the disk counter DISK: [xx/NN]']);
  });
});

describe('nfoCreatorProblems', () => {
  it('accepts a labelled author or publisher line with a value, in the spellings NFOs use', () => {
    for (const line of ['Author....: Ursula K. Le Guin', '│ PUBLISHER : Apress', 'Authors: A, B', 'publishers:. X', ' Author____: X', 'Written by─Author: X']) {
      expect(nfoCreatorProblems(`Title: T\r\n${line}\r\n`)).toEqual([]);
    }
    expect(nfoCreatorProblems(encodeCp437('║ Author......: Ursula'))).toEqual([]);
  });

  it('refuses an NFO whose creator label has no value or is part of another word', () => {
    for (const text of ['Title: T', 'Author....:   ', 'Author: │', 'Coauthor: X', 'Author X', 'Publisher:\r\nX']) {
      expect(nfoCreatorProblems(text)).toEqual(['the NFO has no Author or Publisher line']);
    }
  });
});
