import { cleanText, MAX_FIELD_CHARS, stripHtml, withoutTags } from './embedded-metadata';

/**
 * The text clean-ups every book's metadata goes through, on what real files hold and on hostile
 * fields a crafted book can carry (each of these took minutes with the patterns they
 * replaced, holding the worker's event loop; here they finish at once).
 */
describe('metadata text', () => {
  it('drops e-mail addresses, bracketed or not, wherever they stand, and placeholders', () => {
    expect(cleanText('  Osamu   Aoki <osamu@debian.org> ')).toBe('Osamu Aoki');
    expect(cleanText('Jane Doe<jane.doe+books@mail.example.com>, John Roe')).toBe('Jane Doe , John Roe');
    expect(cleanText('written by x.y@z.org and friends')).toBe('written by and friends');
    expect(cleanText('The @ sign and a@b (not an address)')).toBe('The @ sign and a@b (not an address)');
    expect(cleanText('Unknown')).toBeUndefined();
    const word = 'a'.repeat(4_000);
    expect(cleanText(`${word} ${word}@`)).toBe(`${word} ${word}@`);
    expect(cleanText(`${word}@example.org left`)).toBe('left');
  });

  it("turns a book's terminal control characters into spaces (ESC, BEL, NUL, DEL, C1), keeping the text around them", () => {
    expect(cleanText('A Title\u001b]0;pwned\u0007\u001b[2J of Mine')).toBe('A Title ]0;pwned [2J of Mine');
    expect(cleanText('nul\u0000del\u007fcsi\u009b')).toBe('nul del csi');
    expect(stripHtml('<p>First\u001b[31m</p><p>Second</p>')).toBe('First [31m Second');
  });

  it('keeps at most MAX_FIELD_CHARS of a field, never splitting a character', () => {
    expect(cleanText('a'.repeat(200_000))).toBe('a'.repeat(MAX_FIELD_CHARS));
    expect(cleanText(`${'a'.repeat(MAX_FIELD_CHARS - 1)}😀 and more`)).toBe('a'.repeat(MAX_FIELD_CHARS - 1));
    expect(stripHtml(`<p>${'日本語'.repeat(100_000)}</p>`)).toBe('日本語'.repeat(100_000).slice(0, MAX_FIELD_CHARS));
  });

  it('reads an HTML description as text, line breaks kept as spaces, entities decoded', () => {
    expect(stripHtml('<p>A <b>wizard</b> of Earthsea.</p><br/>Ged&#39;s story &amp; more&nbsp;&lt;3')).toBe("A wizard of Earthsea. Ged's story & more <3");
    expect(withoutTags('a < b and <i>c</i> > d')).toBe('a c > d');
    expect(withoutTags(`${'<'.repeat(200_000)}text`)).toBe(`${'<'.repeat(200_000)}text`);
    expect(withoutTags(`<b>bold</b>${'<br'.repeat(100_000)}`)).toBe(`bold${'<br'.repeat(100_000)}`);
  });
});
