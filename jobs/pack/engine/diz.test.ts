import { renderDiz } from './diz';
import { SAMPLE_FACTS } from './nfo-template';

const lines = (text: string) => text.split('\r\n');

describe('renderDiz', () => {
  it('shows group, author, title, year and publisher, the tags and the disk counter, with CRLF line ends', () => {
    expect(renderDiz(SAMPLE_FACTS, 1)).toBe(
      [
        '                -=[ ESP ]=-',
        '',
        '  Ursula K. Le Guin',
        '  Tales from Earthsea',
        '',
        '  2012 - Houghton Mifflin Harcourt',
        '  [ RETAiL ePub eBook ]',
        '',
        '  DISK: [01/01]',
        '',
      ].join('\r\n'),
    );
  });

  it('counts the disks with two digits each, for the volume asked', () => {
    const facts = { ...SAMPLE_FACTS, volumes: 12 };
    expect(lines(renderDiz(facts, 3)).at(-2)).toBe('  DISK: [03/12]');
    expect(lines(renderDiz(facts, 12)).at(-2)).toBe('  DISK: [12/12]');
  });

  it('names the language when it is not English, the subtitle when there is one, and PDF for a PDF', () => {
    const text = lines(renderDiz({ ...SAMPLE_FACTS, languageName: 'French', subtitle: 'Five stories', format: 'pdf', source: 'HYBRID' }, 1));
    expect(text.slice(2, 9)).toEqual([
      '  Ursula K. Le Guin',
      '  Tales from Earthsea',
      '  Five stories',
      '',
      '  2012 - Houghton Mifflin Harcourt',
      '  [ HYBRiD PDF eBook ]',
      '  Language: French',
    ]);
  });

  it('falls back to the publisher when no author is known, and never doubles an empty line', () => {
    expect(lines(renderDiz({ ...SAMPLE_FACTS, authors: [], publisher: 'Apress' }, 1)).slice(2, 6)).toEqual(['  Apress', '  Tales from Earthsea', '', '  2012 - Apress']);
    const bare = lines(renderDiz({ ...SAMPLE_FACTS, authors: [], publisher: undefined }, 1));
    expect(bare).toEqual(['                -=[ ESP ]=-', '', '  Tales from Earthsea', '', '  2012', '  [ RETAiL ePub eBook ]', '', '  DISK: [01/01]', '']);
  });

  it('keeps to 40 columns of text by wrapping, and to 3 lines of authors, 6 of title, 3 of subtitle and 2 of year and publisher', () => {
    const text = lines(
      renderDiz(
        {
          ...SAMPLE_FACTS,
          title: 'word '.repeat(60),
          authors: Array.from({ length: 20 }, (_, i) => `Author Number ${i}`),
          subtitle: 'sub '.repeat(40),
          publisher: 'P '.repeat(40),
        },
        1,
      ),
    );
    expect(text).toEqual([
      '                -=[ ESP ]=-',
      '',
      '  Author Number 0, Author Number 1, Author',
      '  Number 2, Author Number 3, Author Number',
      '  4, Author Number 5, Author Number 6,',
      ...Array(6).fill('  word word word word word word word word'),
      ...Array(3).fill('  sub sub sub sub sub sub sub sub sub sub'),
      '',
      '  2012 - P P P P P P P P P P P P P P P P P',
      '  P P P P P P P P P P P P P P P P P P P P',
      '  [ RETAiL ePub eBook ]',
      '',
      '  DISK: [01/01]',
      '',
    ]);
    expect(Math.max(...text.map((l) => l.length))).toBeLessThanOrEqual(44);
  });

  it('lays out the texts as CP437 will publish them', () => {
    expect(lines(renderDiz({ ...SAMPLE_FACTS, authors: ['Łódź Œuvre'], group: 'ΩΣ' }, 1)).slice(0, 3)).toEqual(['                 -=[ ΩΣ ]=-', '', '  Lódz OEuvre']);
  });
});
