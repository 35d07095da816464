import iconv from 'iconv-lite';
import { decodeCp437, encodeCp437, toCp437Text } from './cp437';

describe('toCp437Text', () => {
  it('keeps what CP437 holds: box drawing, blocks and the Latin-1 letters it has', () => {
    expect(toCp437Text('Café ┌─┐ █▄ ½ £')).toBe('Café ┌─┐ █▄ ½ £');
    expect(encodeCp437('Café ┌─┐ █▄ ½ £')).toEqual(Buffer.from('4361668220dac4bf20dbdc20ab209c', 'hex'));
  });

  it('composes decomposed accents first, so é typed as e + U+0301 is the one CP437 byte', () => {
    expect(encodeCp437('e\u0301t\u00e9')).toEqual(Buffer.from([0x82, 0x74, 0x82]));
  });

  it('keeps a Greek run CP437 holds whole and romanises one it does not', () => {
    expect(toCp437Text('Ωmega')).toBe('Ωmega');
    expect(toCp437Text('αβγδ')).toBe('avgd');
    expect(toCp437Text('Ελληνικά')).toBe('Ellinika');
  });

  it('romanises a script CP437 lacks by convention, as a run', () => {
    expect(toCp437Text('Война и мир')).toBe('Voyna i mir');
  });

  it('transliterates single characters CP437 lacks and keeps the rest of the word', () => {
    expect(toCp437Text('Łódź')).toBe('Lódz');
    expect(toCp437Text('€5 “quoted” — dash')).toBe('EU5 "quoted" -- dash');
    expect(toCp437Text('Œuvre')).toBe('OEuvre');
  });

  it('keeps every one of the 256 characters CP437 holds, as they are', () => {
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, byte) => byte));
    const all = decodeCp437(everyByte);
    expect(toCp437Text(all)).toBe(all);
    expect(encodeCp437(all)).toEqual(everyByte);
  });

  it("changes exactly the characters that do not survive iconv's CP437 round trip (every character of the BMP)", () => {
    const changed: number[] = [];
    const expected: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      // NFC alone may change a character (U+2126 OHM SIGN is U+03A9); what is left must be CP437's or be replaced.
      const composed = String.fromCharCode(code).normalize('NFC');
      if (iconv.decode(iconv.encode(composed, 'cp437'), 'cp437') !== composed) expected.push(code);
      if (toCp437Text(composed) !== composed) changed.push(code);
    }
    expect(changed).toEqual(expected);
    expect(expected.length).toBeGreaterThan(60_000);
  });
});

describe('encodeCp437 and decodeCp437', () => {
  it('make one byte per character, and decoding gives back the CP437 text', () => {
    const text = 'Ωmega Łódź Война ┌─┐';
    const bytes = encodeCp437(text);
    expect(bytes.length).toBe(toCp437Text(text).length);
    expect(decodeCp437(bytes)).toBe(toCp437Text(text));
    expect(decodeCp437(Buffer.from([0xc9, 0xcd, 0xbb, 0xe0]))).toBe('╔═╗α');
  });
});

describe('toCp437Text on a text of megabytes', () => {
  it('converts a 16-million-character text with a character CP437 lacks at its end (the whole-text regular expression overflowed the stack)', () => {
    const text = `${'Plain description text. '.repeat(700_000)}€`;
    const converted = toCp437Text(text);
    expect(converted.length).toBe(text.length + 1);
    expect(converted.endsWith('. EU')).toBe(true);
  });
});
