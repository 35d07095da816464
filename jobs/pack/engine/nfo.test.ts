import { renderNfo } from './nfo';
import { SAMPLE_FACTS } from './nfo-template';
import type { ReleaseFacts } from './release-facts';

const BOX = (text: string) => ` │ ${text.padEnd(74)} │`;

describe('renderNfo', () => {
  it('lays out every field the rules ask for, in boxes of 80 columns, with CRLF line ends', () => {
    const expected = [
      ` ${'▄'.repeat(78)}`,
      ` █${' '.repeat(76)}█`,
      ' █                                   E S P                                    █',
      ' █                              p r e s e n t s                               █',
      ` █${' '.repeat(76)}█`,
      ` ${'▀'.repeat(78)}`,
      '',
      '                              Tales from Earthsea',
      '                             by Ursula K. Le Guin',
      '',
      ' ┌─[ RELEASE INFO ]───────────────────────────────────────────────────────────┐',
      ' │ Title..........: Tales from Earthsea                                       │',
      ' │ Author.........: Ursula K. Le Guin                                         │',
      ' │ Publisher......: Houghton Mifflin Harcourt                                 │',
      ' │ Publish date...: 2012-09-11                                                │',
      ' │ Release date...: 2026-11-24                                                │',
      ' │ Language.......: English                                                   │',
      ' │ Type...........: RETAiL                                                    │',
      ' │ Format.........: ePub                                                      │',
      ' │ ISBN...........: 9780547773742 / 0547773749                                │',
      ' │ Pages..........: 296                                                       │',
      ' │ Size...........: 1.23 MB (1,234,567 bytes)                                 │',
      ' │ Disks..........: 1 x 5MB                                                   │',
      ' │ Proof..........: https://openlibrary.org/isbn/9780547773742                │',
      ' └────────────────────────────────────────────────────────────────────────────┘',
      '',
      ' ┌─[ DESCRIPTION ]────────────────────────────────────────────────────────────┐',
      ' │ Five stories of the archipelago of Earthsea, from the founding of the      │',
      ' │ school on Roke to the years after Tehanu.                                  │',
      ' └────────────────────────────────────────────────────────────────────────────┘',
      '',
      ' ┌─[ GROUP ]──────────────────────────────────────────────────────────────────┐',
      ' │ ESP brings you books as the publishers made them: no conversions,          │',
      ' │ no re-encoding. Unpack the zips, join the parts if there are several.      │',
      ' └────────────────────────────────────────────────────────────────────────────┘',
      '',
      '        Ursula.K.Le.Guin.Tales.From.Earthsea.2012.RETAiL.ePub.eBook-ESP',
    ];
    expect(renderNfo(SAMPLE_FACTS)).toBe(`${expected.join('\r\n')}\r\n`);
    // The boxes take 79 columns of the 80 the rule allows.
    expect(Math.max(...expected.map((l) => l.length))).toBe(79);
  });

  it('leaves out fields that are not known and says so where a section would be empty', () => {
    const sparse: ReleaseFacts = {
      ...SAMPLE_FACTS,
      authors: [],
      publisher: undefined,
      isbn: undefined,
      pages: undefined,
      proofUrl: undefined,
      publishDate: undefined,
      description: undefined,
      format: 'pdf',
      source: 'SCAN',
      issue: 'NR03',
      volumes: 12,
      volumeSizeMb: 50,
      sizeBytes: 600_000_000,
    };
    const lines = renderNfo(sparse).split('\r\n');
    expect(lines).toContain('                                  by unknown');
    const info = lines.slice(lines.indexOf(' ┌─[ RELEASE INFO ]───────────────────────────────────────────────────────────┐') + 1, lines.indexOf(' ┌─[ DESCRIPTION ]────────────────────────────────────────────────────────────┐') - 2);
    expect(info).toEqual(
      [
        'Title..........: Tales from Earthsea',
        'Issue..........: NR03',
        'Publish date...: 2012',
        'Release date...: 2026-11-24',
        'Language.......: English',
        'Type...........: SCAN',
        'Format.........: PDF',
        'Size...........: 600.00 MB (600,000,000 bytes)',
        'Disks..........: 12 x 50MB',
      ].map(BOX),
    );
    expect(lines).toContain(BOX('No description available.'));
  });

  it('names the publisher when no author is known, and every author when several are', () => {
    expect(renderNfo({ ...SAMPLE_FACTS, authors: [] }).split('\r\n')).toContain('                         by Houghton Mifflin Harcourt');
    const two = renderNfo({ ...SAMPLE_FACTS, authors: ['Ursula K. Le Guin', 'Charles Vess'] }).split('\r\n');
    expect(two).toContain('                      by Ursula K. Le Guin, Charles Vess');
    expect(two).toContain(BOX('Author.........: Ursula K. Le Guin, Charles Vess'));
  });

  it('wraps a long value under itself, inside the box', () => {
    const lines = renderNfo({ ...SAMPLE_FACTS, subtitle: 'A very long subtitle that goes on and on beyond the width of one boxed line of the NFO' }).split('\r\n');
    const at = lines.indexOf(BOX('Subtitle.......: A very long subtitle that goes on and on beyond the width'));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(BOX('                 of one boxed line of the NFO'));
  });

  it('wraps a long title in the banner and keeps at most 40 lines of description', () => {
    const title = 'The Remarkably Long and Winding Title of a Book That Needs Two Lines in the Banner';
    const description = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    const lines = renderNfo({ ...SAMPLE_FACTS, title, description }).split('\r\n');
    expect(lines.slice(7, 9)).toEqual([
      '  The Remarkably Long and Winding Title of a Book That Needs Two Lines in the',
      '                                    Banner',
    ]);
    const described = lines.filter((l) => /^ │ line \d+ +│$/.test(l));
    expect(described).toEqual(Array.from({ length: 40 }, (_, i) => BOX(`line ${i}`)));
  });

  it('cuts a release name too long for one line, marking the cut', () => {
    const name = `${'X'.repeat(79)}.eBook-ESP`;
    const last = renderNfo({ ...SAMPLE_FACTS, name }).split('\r\n').at(-2);
    expect(last).toBe(`${'X'.repeat(75)}...`);
    // A name of exactly 78 characters still fits whole.
    const fits = `${'Y'.repeat(68)}.eBook-ESP`;
    expect(renderNfo({ ...SAMPLE_FACTS, name: fits }).split('\r\n').at(-2)).toBe(fits);
  });

  it('lays out the texts as CP437 will publish them, so a romanised title still fits its box', () => {
    const lines = renderNfo({ ...SAMPLE_FACTS, title: 'Щука', group: 'ΩΣ' }).split('\r\n');
    expect(lines).toContain(BOX('Title..........: Shchuka'));
    expect(lines[2]).toBe(` █${' '.repeat(36)}Ω Σ${' '.repeat(37)}█`);
  });
});
